package io.yubin.mailauth.spf;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one SPF check, with what Authentication-Results (RFC 8601 §2.7.2) and
 * Received-SPF (RFC 7208 §9.1) record.
 *
 * @param status the result
 * @param identity which identity was checked, and so which property reports it
 * @param sender the identity as checked: {@code local@domain} for MAIL FROM ({@code postmaster}
 *     standing in for a missing local-part, §4.3, and for a null reverse-path, §2.4), the domain
 *     for HELO; the value of {@code smtp.mailfrom} or {@code smtp.helo}
 * @param domain the domain whose policy was asked first (check_host's initial {@code <domain>})
 * @param explanation for {@link SpfStatus#FAIL} only: the domain's {@code exp=} text or the
 *     verifier's default (§6.2), for the SMTP reply
 * @param reason a short account for logs and header comments: the mechanism that matched, or
 *     what went wrong
 */
public record SpfResult(SpfStatus status, SpfIdentity identity, String sender, String domain,
        Optional<String> explanation, String reason) {

    public SpfResult {
        Objects.requireNonNull(status);
        Objects.requireNonNull(identity);
        Objects.requireNonNull(sender);
        Objects.requireNonNull(domain);
        Objects.requireNonNull(explanation);
        Objects.requireNonNull(reason);
    }
}
