package io.yubin.mailauth.dmarc;

import java.util.Objects;
import java.util.Optional;

/**
 * The DMARC evaluation of one message (RFC 7489 §6.6).
 *
 * @param status the result
 * @param fromDomain the RFC5322.From domain (header.from); empty when there is none
 * @param record the policy record applied, when one was found
 * @param policy the domain's requested policy for this message: p=, or sp= for a subdomain of the
 *     Organizational Domain whose record applies (§6.6.3); {@link DmarcPolicy#NONE} without a record
 * @param disposition what to do with the message: the policy for a {@link DmarcStatus#FAIL} inside the
 *     pct= sample, the next policy down outside it (§6.6.4), {@link DmarcPolicy#NONE} otherwise
 * @param reason a short account for logs and header comments
 */
public record DmarcResult(DmarcStatus status, String fromDomain, Optional<DmarcRecord> record, DmarcPolicy policy,
        DmarcPolicy disposition, String reason) {

    public DmarcResult {
        Objects.requireNonNull(status);
        Objects.requireNonNull(fromDomain);
        Objects.requireNonNull(record);
        Objects.requireNonNull(policy);
        Objects.requireNonNull(disposition);
        Objects.requireNonNull(reason);
    }
}
