package io.yubin.store;

import io.yubin.model.Flags;
import java.time.Instant;
import java.util.Objects;

/**
 * A message to append.
 *
 * @param blob the stored body
 * @param internalDate the IMAP INTERNALDATE
 * @param flags initial flags
 * @param deliveryKey makes the append idempotent: a second append with the same key does nothing.
 *        Delivery uses {@code spoolId + "/" + canonical recipient}; null for client appends
 */
public record NewMessage(StoredBlob blob, Instant internalDate, Flags flags, String deliveryKey) {

    public NewMessage {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(internalDate, "internalDate");
        Objects.requireNonNull(flags, "flags");
    }
}
