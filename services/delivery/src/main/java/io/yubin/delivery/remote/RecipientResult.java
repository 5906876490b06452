package io.yubin.delivery.remote;

import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import java.util.Objects;

/**
 * The outcome of a remote delivery attempt for one recipient.
 *
 * @param recipient the envelope recipient
 * @param status DELIVERED, DEFERRED (4xx, connection trouble, DNS trouble) or FAILED (5xx, null MX)
 * @param reply the remote reply on one line ({@code 550 5.1.1 ...}), or a reply made here for a failure
 *     that has none ({@code 451 4.4.1 ...})
 * @param remoteMta the host that gave the reply as {@code name [address]}; null when no host did
 * @param detail in reply to what, for logs and DSNs ({@code RCPT TO}, {@code end of data}); null when made here
 * @param dsnPassedOn the recipient's DSN parameters went on to the server, which offered DSN (RFC 3461
 *     §6.2.1): it, not this server, sends the success notice the sender may have asked for
 */
public record RecipientResult(MailAddress recipient, DeliveryStatus status, String reply, String remoteMta,
        String detail, boolean dsnPassedOn) {

    /** A result whose DSN parameters did not go on. */
    public RecipientResult(MailAddress recipient, DeliveryStatus status, String reply, String remoteMta,
            String detail) {
        this(recipient, status, reply, remoteMta, detail, false);
    }

    public RecipientResult {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reply, "reply");
        if (status == DeliveryStatus.QUEUED) {
            throw new IllegalArgumentException("an attempt ends delivered, deferred or failed");
        }
    }

    /** The text recorded as the recipient's last result in the spool. */
    public String describe() {
        if (remoteMta == null) {
            return reply;
        }
        return reply + " (" + remoteMta + (detail == null ? "" : ", in reply to " + detail) + ")";
    }
}
