package io.yubin.delivery.remote;

import io.yubin.model.Envelope;
import java.time.Instant;
import java.util.Objects;

/**
 * One recipient a delivery status notification reports on.
 *
 * @param recipient the envelope recipient with its DSN parameters (NOTIFY, ORCPT)
 * @param action failed, delayed, delivered or relayed (RFC 3464 §2.3.3)
 * @param result the last attempt's result, which gives Status, Remote-MTA and Diagnostic-Code
 * @param lastAttempt when that attempt ended; null when unknown
 * @param willRetryUntil for a delayed recipient, when the attempts stop; else null
 */
public record DsnRecipient(Envelope.Recipient recipient, Action action, RecipientResult result, Instant lastAttempt,
        Instant willRetryUntil) {

    public DsnRecipient {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(result, "result");
    }

    /**
     * RFC 3464 §2.3.3 actions this server reports: {@code delivered} into a local mailbox, {@code relayed}
     * to a server that takes no DSN parameters (so no notice will come from further on).
     */
    public enum Action {
        FAILED("failed"), DELAYED("delayed"), DELIVERED("delivered"), RELAYED("relayed");

        private final String field;

        Action(String field) {
            this.field = field;
        }

        public String field() {
            return field;
        }

        /** Delivered or relayed: what NOTIFY=SUCCESS asks to be told. */
        public boolean isSuccess() {
            return this == DELIVERED || this == RELAYED;
        }
    }
}
