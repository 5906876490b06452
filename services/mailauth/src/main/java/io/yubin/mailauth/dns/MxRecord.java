package io.yubin.mailauth.dns;

import java.util.Objects;

/**
 * One MX record.
 *
 * @param preference lower is preferred (RFC 5321 §5.1)
 * @param host the exchange, without the final dot; {@code "."} for the root, which a null MX
 *     (RFC 7505) names
 */
public record MxRecord(int preference, String host) {
    public MxRecord {
        Objects.requireNonNull(host);
    }

    /** True for the null MX of RFC 7505: the domain accepts no mail. */
    public boolean isNullMx() {
        return host.equals(".") || host.isEmpty();
    }
}
