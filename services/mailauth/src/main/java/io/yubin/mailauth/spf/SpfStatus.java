package io.yubin.mailauth.spf;

import java.util.Locale;

/** The results of check_host() (RFC 7208 §2.6, §8). */
public enum SpfStatus {
    /** No usable domain, or no SPF record (§8.1). */
    NONE,
    /** The domain states nothing about the client ({@code ?}, or no mechanism matched; §8.2). */
    NEUTRAL,
    /** The client is authorized (§8.3). */
    PASS,
    /** The client is not authorized (§8.4). */
    FAIL,
    /** Probably not authorized ({@code ~}; §8.5). */
    SOFTFAIL,
    /** A transient error, mostly DNS; asking later may give a result (§8.6). */
    TEMPERROR,
    /** The domain's records are wrong and need a person to fix them (§8.7). */
    PERMERROR;

    /** The result keyword of Received-SPF and Authentication-Results (RFC 7208 §9, RFC 8601 §2.7.2). */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
