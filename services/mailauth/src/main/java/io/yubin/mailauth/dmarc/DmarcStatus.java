package io.yubin.mailauth.dmarc;

import java.util.Locale;

/** The dmarc method results of Authentication-Results (RFC 7489 §11.2). */
public enum DmarcStatus {
    /** An aligned SPF or DKIM pass. */
    PASS,
    /** A policy was published and neither SPF nor DKIM passed aligned. */
    FAIL,
    /** No DMARC policy was published for the author domain. */
    NONE,
    /** A temporary DNS error kept the result from being known. */
    TEMPERROR,
    /** The message cannot be evaluated: no single author domain in From. */
    PERMERROR;

    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
