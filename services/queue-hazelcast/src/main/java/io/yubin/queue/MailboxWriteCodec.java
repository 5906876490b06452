package io.yubin.queue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.yubin.model.Flags;
import io.yubin.proto.cluster.v1.AppendReply;
import io.yubin.proto.cluster.v1.AppendRequest;
import io.yubin.proto.cluster.v1.ClaimRecentReply;
import io.yubin.proto.cluster.v1.ClaimRecentRequest;
import io.yubin.proto.cluster.v1.CopyReply;
import io.yubin.proto.cluster.v1.CopyRequest;
import io.yubin.proto.cluster.v1.ExpungeReply;
import io.yubin.proto.cluster.v1.ExpungeRequest;
import io.yubin.proto.cluster.v1.FlagsReply;
import io.yubin.proto.cluster.v1.FlagsRequest;
import io.yubin.proto.cluster.v1.MailboxWriteReply;
import io.yubin.proto.cluster.v1.MailboxWriteRequest;
import io.yubin.proto.cluster.v1.Record;
import io.yubin.proto.cluster.v1.Refusal;
import io.yubin.proto.cluster.v1.UidRange;
import io.yubin.store.AppendResult;
import io.yubin.store.BlobId;
import io.yubin.store.CopyResult;
import io.yubin.store.FlagUpdate;
import io.yubin.store.MailboxId;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The store's values as {@code yubin.cluster.v1} mailbox-write messages and back
 * (proto/src/main/proto/yubin/cluster/v1/mailbox_writes.proto), for {@link PartitionRoutedMailboxStore}.
 */
final class MailboxWriteCodec {

    /** The newest request and reply version this code writes and reads. */
    static final int VERSION = 1;

    private MailboxWriteCodec() {
    }

    // Requests ---------------------------------------------------------------------------------------

    static MailboxWriteRequest append(MailboxId mailbox, NewMessage m) {
        return request().setAppend(AppendRequest.newBuilder()
                .setVersion(VERSION)
                .setMailboxId(mailbox.value())
                .setBlobId(m.blob().id().value())
                .setSize(m.blob().size())
                .setSha256(m.blob().sha256() == null ? "" : m.blob().sha256())
                .setInternalDateSeconds(m.internalDate().getEpochSecond())
                .setInternalDateNanos(m.internalDate().getNano())
                .addAllFlags(m.flags().toStrings())
                .setDeliveryKey(m.deliveryKey() == null ? "" : m.deliveryKey())).build();
    }

    static MailboxWriteRequest flags(MailboxId mailbox, UidSet uids, MailboxStore.FlagOperation operation, Flags flags,
            long unchangedSince) {
        return request().setFlags(FlagsRequest.newBuilder().setMailboxId(mailbox.value()).addAllUids(ranges(uids))
                .setOperation(operation.name()).addAllFlags(flags.toStrings()).setUnchangedSince(unchangedSince))
                .build();
    }

    static MailboxWriteRequest expunge(MailboxId mailbox, UidSet uids, boolean onlyDeleted) {
        return request().setExpunge(ExpungeRequest.newBuilder().setMailboxId(mailbox.value()).addAllUids(ranges(uids))
                .setOnlyDeleted(onlyDeleted)).build();
    }

    static MailboxWriteRequest copy(MailboxId source, UidSet uids, MailboxId target, boolean move) {
        return request().setCopy(CopyRequest.newBuilder().setSourceId(source.value()).addAllUids(ranges(uids))
                .setTargetId(target.value()).setMove(move)).build();
    }

    static MailboxWriteRequest claimRecent(MailboxId mailbox, long uid) {
        return request().setClaimRecent(ClaimRecentRequest.newBuilder().setMailboxId(mailbox.value()).setUid(uid))
                .build();
    }

    private static MailboxWriteRequest.Builder request() {
        return MailboxWriteRequest.newBuilder().setVersion(VERSION);
    }

    /** Parses a request; IllegalArgumentException (not a store refusal) for unreadable bytes or a newer version. */
    static MailboxWriteRequest parseRequest(byte[] bytes) {
        MailboxWriteRequest request;
        try {
            request = MailboxWriteRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a mailbox write request: " + e.getMessage());
        }
        if (request.getVersion() < 1 || request.getVersion() > VERSION) {
            throw new IllegalArgumentException("mailbox write request of version " + request.getVersion()
                    + "; this member reads 1.." + VERSION);
        }
        if (request.getChangeCase() == MailboxWriteRequest.ChangeCase.CHANGE_NOT_SET) {
            // A change added by a newer version under the same version number would be a bug there.
            throw new IllegalArgumentException("mailbox write request without a change this member knows");
        }
        return request;
    }

    /** Runs a request on a store; the reply of its outcome, or the store's failure. */
    static CompletionStage<MailboxWriteReply> run(MailboxStore store, MailboxWriteRequest request) {
        return switch (request.getChangeCase()) {
            case APPEND -> {
                AppendRequest a = request.getAppend();
                NewMessage message = new NewMessage(blob(a.getBlobId(), a.getSize(), a.getSha256()),
                        Instant.ofEpochSecond(a.getInternalDateSeconds(), a.getInternalDateNanos()),
                        flags(a.getFlagsList()), a.getDeliveryKey().isEmpty() ? null : a.getDeliveryKey());
                yield store.append(new MailboxId(a.getMailboxId()), message).thenApply(r -> reply()
                        .setAppend(AppendReply.newBuilder().setVersion(VERSION).setMailboxId(r.mailbox().value())
                                .setUidValidity(r.uidValidity()).setUid(r.uid()).setModSeq(r.modSeq())
                                .setDuplicate(r.duplicate())).build());
            }
            case FLAGS -> {
                FlagsRequest f = request.getFlags();
                MailboxStore.FlagOperation operation;
                try {
                    operation = MailboxStore.FlagOperation.valueOf(f.getOperation());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("flag operation " + f.getOperation() + " unknown here");
                }
                yield store.updateFlags(new MailboxId(f.getMailboxId()), uids(f.getUidsList()), operation,
                        flags(f.getFlagsList()), f.getUnchangedSince()).thenApply(u -> reply().setFlags(
                                FlagsReply.newBuilder().addAllChanged(u.changed().stream().map(
                                        MailboxWriteCodec::record).toList()).addAllModified(u.modified())).build());
            }
            case EXPUNGE -> {
                ExpungeRequest e = request.getExpunge();
                yield store.expungeMessages(new MailboxId(e.getMailboxId()), uids(e.getUidsList()), e.getOnlyDeleted())
                        .thenApply(gone -> reply().setExpunge(ExpungeReply.newBuilder().addAllExpunged(
                                gone.stream().map(MailboxWriteCodec::record).toList())).build());
            }
            case COPY -> {
                CopyRequest c = request.getCopy();
                MailboxId source = new MailboxId(c.getSourceId());
                MailboxId target = new MailboxId(c.getTargetId());
                UidSet uids = uids(c.getUidsList());
                yield (c.getMove() ? store.move(source, uids, target) : store.copy(source, uids, target))
                        .thenApply(r -> reply().setCopy(CopyReply.newBuilder()
                                .setTargetUidValidity(r.targetUidValidity()).addAllSourceUids(r.sourceUids())
                                .addAllTargetUids(r.targetUids())).build());
            }
            case CLAIM_RECENT -> {
                ClaimRecentRequest c = request.getClaimRecent();
                yield store.claimRecent(new MailboxId(c.getMailboxId()), c.getUid()).thenApply(previous -> reply()
                        .setClaimRecent(ClaimRecentReply.newBuilder().setPrevious(previous)).build());
            }
            case CHANGE_NOT_SET -> throw new IllegalArgumentException("no change");
        };
    }

    // Replies ----------------------------------------------------------------------------------------

    static MailboxWriteReply refused(StoreException e) {
        return reply().setRefused(Refusal.newBuilder().setKind(e.kind().name())
                .setMessage(String.valueOf(e.getMessage())).setField(e.field() == null ? "" : e.field())).build();
    }

    private static MailboxWriteReply.Builder reply() {
        return MailboxWriteReply.newBuilder().setVersion(VERSION);
    }

    /** Parses a reply; a refusal is thrown as the same {@link StoreException} kind. */
    static MailboxWriteReply parseReply(byte[] bytes) {
        MailboxWriteReply reply;
        try {
            reply = MailboxWriteReply.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw StoreException.unavailable("unreadable mailbox write reply: " + e.getMessage(), e);
        }
        if (reply.hasRefused()) {
            Refusal r = reply.getRefused();
            String field = r.getField().isEmpty() ? null : r.getField();
            StoreException.Kind kind;
            try {
                kind = StoreException.Kind.valueOf(r.getKind());
            } catch (IllegalArgumentException e) {
                kind = StoreException.Kind.UNAVAILABLE;
            }
            throw kind == StoreException.Kind.UNAVAILABLE ? StoreException.unavailable(r.getMessage(), null)
                    : new StoreException(kind, field, r.getMessage());
        }
        return reply;
    }

    static AppendResult appendResult(MailboxWriteReply reply) {
        AppendReply r = expect(reply, reply.hasAppend()).getAppend();
        return new AppendResult(new MailboxId(r.getMailboxId()), r.getUidValidity(), r.getUid(), r.getModSeq(),
                r.getDuplicate());
    }

    static FlagUpdate flagUpdate(MailboxWriteReply reply) {
        FlagsReply r = expect(reply, reply.hasFlags()).getFlags();
        return new FlagUpdate(r.getChangedList().stream().map(MailboxWriteCodec::record).toList(),
                List.copyOf(r.getModifiedList()));
    }

    static List<MessageRecord> expunged(MailboxWriteReply reply) {
        return expect(reply, reply.hasExpunge()).getExpunge().getExpungedList().stream()
                .map(MailboxWriteCodec::record).toList();
    }

    static CopyResult copyResult(MailboxWriteReply reply) {
        CopyReply r = expect(reply, reply.hasCopy()).getCopy();
        return new CopyResult(r.getTargetUidValidity(), List.copyOf(r.getSourceUidsList()),
                List.copyOf(r.getTargetUidsList()));
    }

    static long previousRecent(MailboxWriteReply reply) {
        return expect(reply, reply.hasClaimRecent()).getClaimRecent().getPrevious();
    }

    private static MailboxWriteReply expect(MailboxWriteReply reply, boolean present) {
        if (!present) {
            throw StoreException.unavailable("mailbox write reply of another kind: " + reply.getResultCase(), null);
        }
        return reply;
    }

    // Values -----------------------------------------------------------------------------------------

    private static List<UidRange> ranges(UidSet uids) {
        return uids.ranges().stream().map(r -> UidRange.newBuilder().setFirst(r.first()).setLast(r.last()).build())
                .toList();
    }

    private static UidSet uids(List<UidRange> ranges) {
        return UidSet.of(ranges.stream().map(r -> new UidSet.Range(r.getFirst(), r.getLast())).toList());
    }

    private static Flags flags(List<String> flags) {
        return flags.isEmpty() ? Flags.NONE : Flags.of(flags);
    }

    private static StoredBlob blob(String id, long size, String sha256) {
        return new StoredBlob(new BlobId(id), size, sha256.isEmpty() ? null : sha256);
    }

    private static Record record(MessageRecord m) {
        return Record.newBuilder().setUid(m.uid()).setModSeq(m.modSeq()).addAllFlags(m.flags().toStrings())
                .setInternalDateSeconds(m.internalDate().getEpochSecond())
                .setInternalDateNanos(m.internalDate().getNano()).setBlobId(m.blob().id().value())
                .setSize(m.blob().size()).setSha256(m.blob().sha256() == null ? "" : m.blob().sha256()).build();
    }

    private static MessageRecord record(Record r) {
        return new MessageRecord(r.getUid(), r.getModSeq(), flags(r.getFlagsList()),
                Instant.ofEpochSecond(r.getInternalDateSeconds(), r.getInternalDateNanos()),
                blob(r.getBlobId(), r.getSize(), r.getSha256()));
    }
}
