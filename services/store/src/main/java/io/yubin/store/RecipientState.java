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
 */
public record RecipientState(MailAddress recipient, DeliveryStatus status, int attempts, Instant nextAttempt,
        String lastResult) {

    public RecipientState {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(status, "status");
    }

    public static RecipientState queued(MailAddress recipient) {
        return new RecipientState(recipient, DeliveryStatus.QUEUED, 0, null, null);
    }
}
