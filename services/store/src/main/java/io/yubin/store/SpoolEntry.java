package io.yubin.store;

import io.yubin.model.Envelope;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One accepted message.
 *
 * @param id its spool id
 * @param envelope the SMTP envelope with its parameters
 * @param blob the stored body (with the trace headers added at acceptance)
 * @param receivedAt when the final 250 was due
 * @param client who sent it
 * @param recipients delivery state per envelope recipient, in envelope order
 */
public record SpoolEntry(SpoolId id, Envelope envelope, StoredBlob blob, Instant receivedAt, ClientInfo client,
        List<RecipientState> recipients) {

    public SpoolEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(receivedAt, "receivedAt");
        Objects.requireNonNull(client, "client");
        recipients = List.copyOf(recipients);
    }

    /** A new entry with every envelope recipient queued. */
    public static SpoolEntry queued(SpoolId id, Envelope envelope, StoredBlob blob, Instant receivedAt,
            ClientInfo client) {
        return new SpoolEntry(id, envelope, blob, receivedAt, client,
                envelope.recipients().stream().map(r -> RecipientState.queued(r.address())).toList());
    }

    /** True when no recipient is QUEUED or DEFERRED. */
    public boolean finished() {
        return recipients.stream().allMatch(r -> r.status().isFinal());
    }

    /**
     * Who handed the message over.
     *
     * @param heloName the EHLO/HELO argument
     * @param address the client's IP address (from PROXY protocol when behind a load balancer)
     * @param authenticatedUser the SASL identity, null when not authenticated
     */
    public record ClientInfo(String heloName, String address, String authenticatedUser) {
    }
}
