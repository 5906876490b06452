package io.yubin.queue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.cluster.Member;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import com.hazelcast.partition.Partition;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.proto.cluster.v1.AppendReply;
import io.yubin.proto.cluster.v1.AppendRequest;
import io.yubin.store.AppendResult;
import io.yubin.store.BlobId;
import io.yubin.store.Changes;
import io.yubin.store.CopyResult;
import io.yubin.store.FlagUpdate;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxId;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.QuotaUsage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MailboxStore} whose appends run on the member that owns the mailbox id's Hazelcast
 * partition (docs/architecture.md §4.3, docs/scaling.md "UIDs across members"); everything else goes
 * to this member's store. Each member has one writer per mailbox, which batches the appends queued
 * on it into one fenced counter update; with deliveries from every member landing on one member,
 * that writer is the only one and the fence (a conditional update that another writer's change makes
 * fail, then a retry) is seldom needed. It still guards correctness: while partition ownership moves
 * (a member joins or dies) two members may write for a moment, and an append that cannot reach the
 * owner runs here.
 *
 * <p>The request and reply are {@code yubin.cluster.v1.AppendRequest} and {@code AppendReply}
 * (proto/src/main/proto/yubin/cluster/v1/appends.proto) inside a {@link RoutedAppend} task, so members
 * of different versions understand each other. Falling back to a local append after a failed hand-off
 * is safe only for appends with a delivery key (a repeat appends nothing): one without is failed.
 */
public final class PartitionRoutedMailboxStore implements MailboxStore, AutoCloseable {

    /** The executor the tasks run on, on every member. */
    public static final String EXECUTOR_NAME = "yubin-mailbox-appends";
    /** Where each member's local store is found by the tasks it runs ({@link HazelcastInstance#getUserContext}). */
    static final String USER_CONTEXT_KEY = "yubin.mailbox-appends.store";
    /** The newest request and reply version this code writes and reads. */
    static final int VERSION = 1;
    /** How long the owner may take; beyond it the append runs here (the owner may still finish it). */
    private static final long OWNER_TIMEOUT_SECONDS = 60;

    private static final Logger LOG = LoggerFactory.getLogger(PartitionRoutedMailboxStore.class);

    private final HazelcastInstance hazelcast;
    private final MailboxStore local;
    private final IExecutorService executor;
    private final AtomicLong handedOff = new AtomicLong();
    private final AtomicLong fellBack = new AtomicLong();

    /** Registers {@code local} as the store that runs appends other members hand to this one. */
    public PartitionRoutedMailboxStore(HazelcastInstance hazelcast, MailboxStore local) {
        this.hazelcast = hazelcast;
        this.local = local;
        this.executor = hazelcast.getExecutorService(EXECUTOR_NAME);
        hazelcast.getUserContext().put(USER_CONTEXT_KEY, local);
    }

    @Override
    public CompletionStage<AppendResult> append(MailboxId mailbox, NewMessage message) {
        Member owner;
        try {
            Partition partition = hazelcast.getPartitionService().getPartition(mailbox.value());
            owner = partition.getOwner();
        } catch (RuntimeException e) {
            owner = null;
        }
        if (owner == null || owner.localMember()) {
            return local.append(mailbox, message);
        }
        CompletableFuture<AppendResult> result = new CompletableFuture<>();
        try {
            executor.submitToKeyOwner(new RoutedAppend(encode(mailbox, message)), mailbox.value(),
                    new ExecutionCallback<byte[]>() {
                        @Override
                        public void onResponse(byte[] reply) {
                            handedOff.incrementAndGet();
                            try {
                                result.complete(decode(reply));
                            } catch (RuntimeException e) {
                                result.completeExceptionally(e);
                            }
                        }

                        @Override
                        public void onFailure(Throwable failure) {
                            fallBack(mailbox, message, failure, result);
                        }
                    });
        } catch (RuntimeException e) {
            fallBack(mailbox, message, e, result);
        }
        return result;
    }

    /** The owner could not be reached or failed other than by its store's answer: append here. */
    private void fallBack(MailboxId mailbox, NewMessage message, Throwable failure, CompletableFuture<AppendResult> result) {
        Throwable cause = failure instanceof ExecutionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause instanceof StoreException) {
            result.completeExceptionally(cause);
            return;
        }
        if (message.deliveryKey() == null) {
            result.completeExceptionally(StoreException.unavailable("could not hand the append to the owner of "
                    + "mailbox " + mailbox.value() + ": " + cause, cause));
            return;
        }
        fellBack.incrementAndGet();
        LOG.debug("Appending to mailbox {} here, the owner did not: {}", mailbox.value(), cause.toString());
        local.append(mailbox, message).whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(r);
            }
        });
    }

    /** Appends answered by another member. */
    public long handedOff() {
        return handedOff.get();
    }

    /** Appends run here because the owner could not be reached. */
    public long fellBack() {
        return fellBack.get();
    }

    /** Stops running other members' appends here (they fall back to appending themselves). */
    @Override
    public void close() {
        if (hazelcast.getLifecycleService().isRunning()) {
            hazelcast.getUserContext().remove(USER_CONTEXT_KEY, local);
        }
    }

    static byte[] encode(MailboxId mailbox, NewMessage m) {
        return AppendRequest.newBuilder()
                .setVersion(VERSION)
                .setMailboxId(mailbox.value())
                .setBlobId(m.blob().id().value())
                .setSize(m.blob().size())
                .setSha256(m.blob().sha256() == null ? "" : m.blob().sha256())
                .setInternalDateSeconds(m.internalDate().getEpochSecond())
                .setInternalDateNanos(m.internalDate().getNano())
                .addAllFlags(m.flags().toStrings())
                .setDeliveryKey(m.deliveryKey() == null ? "" : m.deliveryKey())
                .build().toByteArray();
    }

    /** Runs a request on this member's store; every outcome, a refusal included, is a reply. */
    static byte[] run(MailboxStore store, byte[] bytes) throws InterruptedException {
        AppendRequest request;
        try {
            request = AppendRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an append request: " + e.getMessage());
        }
        if (request.getVersion() < 1 || request.getVersion() > VERSION) {
            // Not a StoreException: the sender falls back to appending itself.
            throw new IllegalArgumentException("append request of version " + request.getVersion()
                    + "; this member reads 1.." + VERSION);
        }
        NewMessage message = new NewMessage(new StoredBlob(new BlobId(request.getBlobId()), request.getSize(),
                request.getSha256().isEmpty() ? null : request.getSha256()),
                Instant.ofEpochSecond(request.getInternalDateSeconds(), request.getInternalDateNanos()),
                request.getFlagsCount() == 0 ? Flags.NONE : Flags.of(request.getFlagsList()),
                request.getDeliveryKey().isEmpty() ? null : request.getDeliveryKey());
        AppendReply.Builder reply = AppendReply.newBuilder().setVersion(VERSION);
        try {
            AppendResult r = store.append(new MailboxId(request.getMailboxId()), message).toCompletableFuture()
                    .get(OWNER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            reply.setMailboxId(r.mailbox().value()).setUidValidity(r.uidValidity()).setUid(r.uid())
                    .setModSeq(r.modSeq()).setDuplicate(r.duplicate());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            StoreException se = cause instanceof StoreException s ? s
                    : StoreException.unavailable(String.valueOf(cause), cause);
            reply.setErrorKind(se.kind().name()).setErrorMessage(String.valueOf(se.getMessage()));
        } catch (TimeoutException e) {
            reply.setErrorKind(StoreException.Kind.UNAVAILABLE.name())
                    .setErrorMessage("the mailbox owner's store did not answer in " + OWNER_TIMEOUT_SECONDS + " s");
        }
        return reply.build().toByteArray();
    }

    static AppendResult decode(byte[] bytes) {
        AppendReply reply;
        try {
            reply = AppendReply.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw StoreException.unavailable("unreadable append reply: " + e.getMessage(), e);
        }
        if (!reply.getErrorKind().isEmpty()) {
            String text = reply.getErrorMessage();
            throw switch (reply.getErrorKind()) {
                case "NOT_FOUND" -> StoreException.notFound("mailbox", text);
                case "CONFLICT" -> StoreException.conflict("mailbox", text);
                case "INVALID" -> StoreException.invalid("message", text);
                default -> StoreException.unavailable(text, null);
            };
        }
        return new AppendResult(new MailboxId(reply.getMailboxId()), reply.getUidValidity(), reply.getUid(),
                reply.getModSeq(), reply.getDuplicate());
    }

    /**
     * The task: the request's bytes, run by the owner's executor on the store its
     * {@link PartitionRoutedMailboxStore} registered. Only bytes cross the wire (Hazelcast writes the
     * class name, then {@link #writeData}).
     */
    public static final class RoutedAppend implements Callable<byte[]>, DataSerializable, HazelcastInstanceAware {

        private byte[] request;
        private transient HazelcastInstance hazelcast;

        /** For Hazelcast's deserialization. */
        public RoutedAppend() {
        }

        RoutedAppend(byte[] request) {
            this.request = request;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcast) {
            this.hazelcast = hazelcast;
        }

        @Override
        public byte[] call() throws InterruptedException {
            Object store = hazelcast == null ? null : hazelcast.getUserContext().get(USER_CONTEXT_KEY);
            if (!(store instanceof MailboxStore mailboxes)) {
                throw new IllegalStateException("this member runs no mailbox appends");
            }
            return run(mailboxes, request);
        }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeByteArray(request);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            request = in.readByteArray();
        }
    }

    // Everything else runs on this member's store. ------------------------------------------------

    @Override
    public CompletionStage<Void> provision(MailAddress user) {
        return local.provision(user);
    }

    @Override
    public CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse) {
        return local.create(user, path, specialUse);
    }

    @Override
    public CompletionStage<Optional<Mailbox>> find(MailAddress user, MailboxPath path) {
        return local.find(user, path);
    }

    @Override
    public CompletionStage<List<Mailbox>> list(MailAddress user) {
        return local.list(user);
    }

    @Override
    public CompletionStage<Void> rename(MailAddress user, MailboxPath from, MailboxPath to) {
        return local.rename(user, from, to);
    }

    @Override
    public CompletionStage<Void> delete(MailAddress user, MailboxPath path) {
        return local.delete(user, path);
    }

    @Override
    public CompletionStage<Void> deleteAll(MailAddress user) {
        return local.deleteAll(user);
    }

    @Override
    public CompletionStage<Void> subscribe(MailAddress user, MailboxPath path) {
        return local.subscribe(user, path);
    }

    @Override
    public CompletionStage<Void> unsubscribe(MailAddress user, MailboxPath path) {
        return local.unsubscribe(user, path);
    }

    @Override
    public CompletionStage<List<MailboxPath>> subscriptions(MailAddress user) {
        return local.subscriptions(user);
    }

    @Override
    public CompletionStage<MailboxStatus> status(MailboxId mailbox) {
        return local.status(mailbox);
    }

    @Override
    public CompletionStage<List<MessageRecord>> messages(MailboxId mailbox, UidSet uids) {
        return local.messages(mailbox, uids);
    }

    @Override
    public CompletionStage<FlagUpdate> updateFlags(MailboxId mailbox, UidSet uids, FlagOperation operation, Flags flags,
            long unchangedSince) {
        return local.updateFlags(mailbox, uids, operation, flags, unchangedSince);
    }

    @Override
    public CompletionStage<List<MessageRecord>> expungeMessages(MailboxId mailbox, UidSet uids, boolean onlyDeleted) {
        return local.expungeMessages(mailbox, uids, onlyDeleted);
    }

    @Override
    public CompletionStage<CopyResult> copy(MailboxId source, UidSet uids, MailboxId target) {
        return local.copy(source, uids, target);
    }

    @Override
    public CompletionStage<CopyResult> move(MailboxId source, UidSet uids, MailboxId target) {
        return local.move(source, uids, target);
    }

    @Override
    public CompletionStage<Changes> changesSince(MailboxId mailbox, long modSeq) {
        return local.changesSince(mailbox, modSeq);
    }

    @Override
    public CompletionStage<Optional<byte[]>> structure(BlobId blob) {
        return local.structure(blob);
    }

    @Override
    public CompletionStage<Map<BlobId, byte[]>> structures(Collection<BlobId> blobs) {
        return local.structures(blobs);
    }

    @Override
    public CompletionStage<Void> putStructure(BlobId blob, byte[] structure) {
        return local.putStructure(blob, structure);
    }

    @Override
    public CompletionStage<Long> claimRecent(MailboxId mailbox, long uid) {
        return local.claimRecent(mailbox, uid);
    }

    @Override
    public CompletionStage<QuotaUsage> quotaUsage(MailAddress user) {
        return local.quotaUsage(user);
    }
}
