package io.yubin.mailauth.spf;

import java.util.Objects;

/**
 * The SPF checks of one transaction (RFC 7208 §2.3, §2.4): the identity DMARC aligns (MAIL FROM, or
 * the HELO identity for a null reverse-path) and, beside it, the HELO identity checked on its own as
 * §2.3 recommends.
 *
 * @param identity the MAIL FROM check, or the HELO check for a null reverse-path
 * @param helo the separate HELO check; null when {@code identity} is it already
 */
public record SpfChecks(SpfResult identity, SpfResult helo) {
    public SpfChecks {
        Objects.requireNonNull(identity, "identity");
    }
}
