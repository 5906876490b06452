package io.yubin.store;

import io.yubin.model.MailAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * Delivery state of one recipient of a spool entry.
 *
 * @param recipient the envelope recipient
 * @param status where delivery stands
 * @param attempts attempts made so far
 * @param nextAttempt when to try again (DEFERRED), else null
 * @param lastResult the last reply or error text, e.g. {@code 250 2.0.0 delivered}; null before any
 * @param delayReported whether the sender was sent the delay warning for this recipient (RFC 3464
 *     {@code Action: delayed}), which goes out at most once
 */
public record RecipientState(MailAddress recipient, DeliveryStatus status, int attempts, Instant nextAttempt,
        String lastResult, boolean delayReported) {

    public RecipientState {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(status, "status");
    }

    /** A state whose delay has not been reported. */
    public RecipientState(MailAddress recipient, DeliveryStatus status, int attempts, Instant nextAttempt,
            String lastResult) {
        this(recipient, status, attempts, nextAttempt, lastResult, false);
    }

    /** This state with the delay warning marked as sent. */
    public RecipientState withDelayReported() {
        return new RecipientState(recipient, status, attempts, nextAttempt, lastResult, true);
    }

    /** This state, due again at {@code next}. */
    public RecipientState withNextAttempt(Instant next) {
        return new RecipientState(recipient, status, attempts, next, lastResult, delayReported);
    }

    public static RecipientState queued(MailAddress recipient) {
        return new RecipientState(recipient, DeliveryStatus.QUEUED, 0, null, null);
    }
}
