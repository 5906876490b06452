package io.yubin.mailauth.dns;

import java.util.Objects;

/**
 * A DNS result with what DNSSEC validation said of it. {@code secure} is true only when a
 * validating resolver proved the answer (or the non-existence) from a configured trust anchor (RFC
 * 4033 §5, RFC 4035 §4.3 "secure"); an insecure or unvalidated answer is false. A bogus answer
 * never reaches here: validation failure is a {@link DnsResult.TempError}, which is never secure.
 *
 * @param <T> the record type, as in {@link DnsResult}
 */
public record Validated<T>(DnsResult<T> result, boolean secure) {

    public Validated {
        Objects.requireNonNull(result);
        if (secure && result instanceof DnsResult.TempError) {
            throw new IllegalArgumentException("a failed lookup proves nothing");
        }
    }

    /** {@code result} as a resolver that does not validate gives it. */
    public static <T> Validated<T> insecure(DnsResult<T> result) {
        return new Validated<>(result, false);
    }
}
