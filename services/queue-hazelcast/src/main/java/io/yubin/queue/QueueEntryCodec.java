package io.yubin.queue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.yubin.proto.cluster.v1.QueueEntry;
import io.yubin.store.SpoolId;
import java.time.Instant;

/**
 * Delivery-queue items to and from their wire format, {@code yubin.cluster.v1.QueueEntry}
 * (proto/src/main/proto/yubin/cluster/v1/queue.proto). Members of two releases share the queue
 * during a rolling upgrade (issue 16 item 2), so reading tolerates fields this code does not know
 * (protobuf keeps them as unknown fields) and refuses only what it must not act on.
 */
final class QueueEntryCodec {

    /** The format version this code writes, and the newest whose entries it acts on. */
    static final int VERSION = 1;

    private QueueEntryCodec() {
    }

    static byte[] encode(SpoolId id, Instant offeredAt) {
        return QueueEntry.newBuilder()
                .setVersion(VERSION)
                .setSpoolId(id.value())
                .setOfferedAtMs(offeredAt.toEpochMilli())
                .build()
                .toByteArray();
    }

    /**
     * The spool id in an entry.
     *
     * @throws UnreadableEntryException when the bytes are not an entry, have no spool id, or ask
     *     for a newer reader ({@code min_reader_version} above {@link #VERSION})
     */
    static SpoolId decode(byte[] bytes) {
        QueueEntry entry;
        try {
            entry = QueueEntry.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new UnreadableEntryException("not a queue entry: " + e.getMessage());
        }
        if (entry.getVersion() < 1) {
            throw new UnreadableEntryException("queue entry without a version");
        }
        if (entry.getMinReaderVersion() > VERSION) {
            throw new UnreadableEntryException("queue entry of version " + entry.getVersion() + " for spool id "
                    + entry.getSpoolId() + " needs a reader of version " + entry.getMinReaderVersion()
                    + "; this member reads " + VERSION);
        }
        if (entry.getSpoolId().isEmpty()) {
            throw new UnreadableEntryException("queue entry of version " + entry.getVersion() + " without a spool id");
        }
        return new SpoolId(entry.getSpoolId());
    }

    /** The bytes are not an entry this member may act on; it skips them and the sweep re-offers the id. */
    static final class UnreadableEntryException extends RuntimeException {

        UnreadableEntryException(String message) {
            super(message, null, false, false);
        }
    }
}
