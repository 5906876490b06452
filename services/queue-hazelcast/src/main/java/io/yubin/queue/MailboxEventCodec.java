package io.yubin.queue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.store.MailboxId;

/**
 * {@link MailboxEvent} to and from its wire format, {@code yubin.cluster.v1.MailboxEvent}
 * (proto/src/main/proto/yubin/cluster/v1/events.proto). Reading is two steps so a member can drop
 * events for users nobody on it follows before parsing any address.
 */
final class MailboxEventCodec {

    /** The newest format version this code writes and reads. */
    static final int VERSION = 1;

    private MailboxEventCodec() {
    }

    static byte[] encode(MailboxEvent event) {
        var builder = io.yubin.proto.cluster.v1.MailboxEvent.newBuilder();
        if (event.flags() != null) {
            builder.addAllFlags(event.flags().toStrings());
        }
        return builder
                .setVersion(VERSION)
                .setUser(event.user().canonical())
                .setMailboxId(event.mailbox().value())
                .setKind(switch (event.kind()) {
                    case APPENDED -> io.yubin.proto.cluster.v1.MailboxEvent.Kind.APPENDED;
                    case FLAGS_CHANGED -> io.yubin.proto.cluster.v1.MailboxEvent.Kind.FLAGS_CHANGED;
                    case EXPUNGED -> io.yubin.proto.cluster.v1.MailboxEvent.Kind.EXPUNGED;
                    case MAILBOX_CHANGED -> io.yubin.proto.cluster.v1.MailboxEvent.Kind.MAILBOX_CHANGED;
                    case MARKED_JUNK -> io.yubin.proto.cluster.v1.MailboxEvent.Kind.MARKED_JUNK;
                    case MARKED_NOT_JUNK -> io.yubin.proto.cluster.v1.MailboxEvent.Kind.MARKED_NOT_JUNK;
                })
                .setUid(event.uid())
                .setModSeq(event.modSeq())
                .build()
                .toByteArray();
    }

    /**
     * Parses the bytes and checks the version.
     *
     * @throws UnreadableEventException when they are not an event, or one of a newer version
     */
    static io.yubin.proto.cluster.v1.MailboxEvent read(byte[] bytes) {
        io.yubin.proto.cluster.v1.MailboxEvent wire;
        try {
            wire = io.yubin.proto.cluster.v1.MailboxEvent.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new UnreadableEventException("not a mailbox event: " + e.getMessage());
        }
        if (wire.getVersion() > VERSION) {
            throw new UnreadableEventException("mailbox event of version " + wire.getVersion()
                    + " is newer than this member reads (" + VERSION + ")");
        }
        if (wire.getVersion() < 1) {
            throw new UnreadableEventException("mailbox event without a version");
        }
        return wire;
    }

    /**
     * The event in a wire message that {@link #read} accepted.
     *
     * @throws UnreadableEventException for an unknown kind or a bad address
     */
    static MailboxEvent toEvent(io.yubin.proto.cluster.v1.MailboxEvent wire) {
        MailboxEvent.Kind kind = switch (wire.getKind()) {
            case APPENDED -> MailboxEvent.Kind.APPENDED;
            case FLAGS_CHANGED -> MailboxEvent.Kind.FLAGS_CHANGED;
            case EXPUNGED -> MailboxEvent.Kind.EXPUNGED;
            case MAILBOX_CHANGED -> MailboxEvent.Kind.MAILBOX_CHANGED;
            case MARKED_JUNK -> MailboxEvent.Kind.MARKED_JUNK;
            case MARKED_NOT_JUNK -> MailboxEvent.Kind.MARKED_NOT_JUNK;
            case KIND_UNSPECIFIED, UNRECOGNIZED -> throw new UnreadableEventException(
                    "mailbox event of an unknown kind (" + wire.getKindValue() + ")");
        };
        MailAddress user;
        try {
            user = MailAddress.parse(wire.getUser());
        } catch (IllegalArgumentException e) {
            throw new UnreadableEventException("mailbox event for an unparsable user: " + e.getMessage());
        }
        Flags flags = null;
        if (kind == MailboxEvent.Kind.EXPUNGED && wire.getFlagsCount() > 0) {
            try {
                flags = Flags.of(wire.getFlagsList());
            } catch (IllegalArgumentException e) {
                // a flag this member does not know (a newer writer's): the event is still good without them
            }
        }
        return new MailboxEvent(user, new MailboxId(wire.getMailboxId()), kind, wire.getUid(), wire.getModSeq(), flags);
    }

    /** The bytes are not an event this member can use; it skips them. */
    static final class UnreadableEventException extends RuntimeException {

        UnreadableEventException(String message) {
            super(message, null, false, false);
        }
    }
}
