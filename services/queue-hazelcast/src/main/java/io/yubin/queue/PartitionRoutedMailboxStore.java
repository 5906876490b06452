package io.yubin.queue;

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
import io.yubin.proto.cluster.v1.MailboxWriteReply;
import io.yubin.proto.cluster.v1.MailboxWriteRequest;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MailboxStore} whose changes to a mailbox run on the member that owns the mailbox id's
 * Hazelcast partition (docs/architecture.md §4.3, docs/scaling.md "One writer per mailbox"): appends
 * (deliveries and IMAP APPEND), flag changes, expunges, copies and moves, and the \Recent claim;
 * reads and per-user operations go to this member's store. Each member has one writer per mailbox,
 * which batches the changes queued on it into one fenced counter update; with every change to a
 * mailbox landing on one member, that writer is the only one and the fence (a conditional update that
 * another writer's change makes fail, then a retry) is seldom needed. Without it, an IMAP client on
 * one member and deliveries on others contend on the fence until its retries run out. The fence
 * still guards correctness: while partition ownership moves (a member joins or dies) two members
 * may write for a moment, and a change that cannot reach the owner may run here.
 *
 * <p>The request and reply are {@code yubin.cluster.v1.MailboxWriteRequest} and
 * {@code MailboxWriteReply} (proto/src/main/proto/yubin/cluster/v1/mailbox_writes.proto) inside a
 * {@link RoutedWrite} task, so members of different versions understand each other. A copy is routed
 * by its target, a move by its source (the mailbox deliveries contend on). Running a change here after
 * a failed hand-off (the owner may have run it before failing) is done only where a repeat does no
 * harm: an append with a delivery key (a repeat appends nothing), a flag change without
 * UNCHANGEDSINCE, an expunge, a \Recent claim. A keyless append, a copy, a move and a conditional
 * flag change are failed as unavailable instead, and the client tries again.
 */
public final class PartitionRoutedMailboxStore implements MailboxStore, AutoCloseable {

    /** The executor the tasks run on, on every member. */
    public static final String EXECUTOR_NAME = "yubin-mailbox-writes";
    /** Where each member's local store is found by the tasks it runs ({@link HazelcastInstance#getUserContext}). */
    static final String USER_CONTEXT_KEY = "yubin.mailbox-writes.store";
    /** How long the owner may take; beyond it the change fails or runs here (the owner may still finish it). */
    private static final long OWNER_TIMEOUT_SECONDS = 60;

    private static final Logger LOG = LoggerFactory.getLogger(PartitionRoutedMailboxStore.class);

    private final HazelcastInstance hazelcast;
    private final MailboxStore local;
    private final IExecutorService executor;
    private final AtomicLong handedOff = new AtomicLong();
    private final AtomicLong fellBack = new AtomicLong();

    /** Registers {@code local} as the store that runs the changes other members hand to this one. */
    public PartitionRoutedMailboxStore(HazelcastInstance hazelcast, MailboxStore local) {
        this.hazelcast = hazelcast;
        this.local = local;
        this.executor = hazelcast.getExecutorService(EXECUTOR_NAME);
        hazelcast.getUserContext().put(USER_CONTEXT_KEY, local);
    }

    @Override
    public CompletionStage<AppendResult> append(MailboxId mailbox, NewMessage message) {
        return route(mailbox, () -> MailboxWriteCodec.append(mailbox, message), message.deliveryKey() != null,
                () -> local.append(mailbox, message), MailboxWriteCodec::appendResult);
    }

    @Override
    public CompletionStage<FlagUpdate> updateFlags(MailboxId mailbox, UidSet uids, FlagOperation operation, Flags flags,
            long unchangedSince) {
        return route(mailbox, () -> MailboxWriteCodec.flags(mailbox, uids, operation, flags, unchangedSince),
                unchangedSince < 0, () -> local.updateFlags(mailbox, uids, operation, flags, unchangedSince),
                MailboxWriteCodec::flagUpdate);
    }

    @Override
    public CompletionStage<List<MessageRecord>> expungeMessages(MailboxId mailbox, UidSet uids, boolean onlyDeleted) {
        return route(mailbox, () -> MailboxWriteCodec.expunge(mailbox, uids, onlyDeleted), true,
                () -> local.expungeMessages(mailbox, uids, onlyDeleted), MailboxWriteCodec::expunged);
    }

    @Override
    public CompletionStage<CopyResult> copy(MailboxId source, UidSet uids, MailboxId target) {
        return route(target, () -> MailboxWriteCodec.copy(source, uids, target, false), false,
                () -> local.copy(source, uids, target), MailboxWriteCodec::copyResult);
    }

    @Override
    public CompletionStage<CopyResult> move(MailboxId source, UidSet uids, MailboxId target) {
        return route(source, () -> MailboxWriteCodec.copy(source, uids, target, true), false,
                () -> local.move(source, uids, target), MailboxWriteCodec::copyResult);
    }

    @Override
    public CompletionStage<Long> claimRecent(MailboxId mailbox, long uid) {
        return route(mailbox, () -> MailboxWriteCodec.claimRecent(mailbox, uid), true,
                () -> local.claimRecent(mailbox, uid), MailboxWriteCodec::previousRecent);
    }

    /**
     * Runs a change here when this member owns {@code key}'s partition (or no member does yet), else
     * hands it to the owner; {@code repeatable}: the change may run here after a failed hand-off.
     */
    private <T> CompletionStage<T> route(MailboxId key, Supplier<MailboxWriteRequest> request, boolean repeatable,
            Supplier<CompletionStage<T>> here, Function<MailboxWriteReply, T> read) {
        Member owner;
        try {
            Partition partition = hazelcast.getPartitionService().getPartition(key.value());
            owner = partition.getOwner();
        } catch (RuntimeException e) {
            owner = null;
        }
        if (owner == null || owner.localMember()) {
            return here.get();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.submitToKeyOwner(new RoutedWrite(request.get().toByteArray()), key.value(),
                    new ExecutionCallback<byte[]>() {
                        @Override
                        public void onResponse(byte[] reply) {
                            handedOff.incrementAndGet();
                            try {
                                result.complete(read.apply(MailboxWriteCodec.parseReply(reply)));
                            } catch (RuntimeException e) {
                                result.completeExceptionally(e);
                            }
                        }

                        @Override
                        public void onFailure(Throwable failure) {
                            fallBack(key, failure, repeatable, here, result);
                        }
                    });
        } catch (RuntimeException e) {
            fallBack(key, e, repeatable, here, result);
        }
        return result;
    }

    /** The owner could not be reached or failed other than by its store's answer. */
    private <T> void fallBack(MailboxId key, Throwable failure, boolean repeatable,
            Supplier<CompletionStage<T>> here, CompletableFuture<T> result) {
        Throwable cause = failure instanceof ExecutionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (cause instanceof StoreException) {
            result.completeExceptionally(cause);
            return;
        }
        if (!repeatable) {
            result.completeExceptionally(StoreException.unavailable("could not hand the change to the owner of "
                    + "mailbox " + key.value() + ": " + cause, cause));
            return;
        }
        fellBack.incrementAndGet();
        LOG.debug("Changing mailbox {} here, the owner did not: {}", key.value(), cause.toString());
        here.get().whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(r);
            }
        });
    }

    /** Changes answered by another member. */
    public long handedOff() {
        return handedOff.get();
    }

    /** Changes run here because the owner could not be reached. */
    public long fellBack() {
        return fellBack.get();
    }

    /** Stops running other members' changes here (they fall back or fail, as above). */
    @Override
    public void close() {
        if (hazelcast.getLifecycleService().isRunning()) {
            hazelcast.getUserContext().remove(USER_CONTEXT_KEY, local);
        }
    }

    /** Runs a request on this member's store; every outcome, a refusal included, is a reply. */
    static byte[] run(MailboxStore store, byte[] bytes) throws InterruptedException {
        // Unreadable, or of a newer version: not a refusal, the sender decides (falls back or fails).
        MailboxWriteRequest request = MailboxWriteCodec.parseRequest(bytes);
        MailboxWriteReply reply;
        try {
            reply = MailboxWriteCodec.run(store, request).toCompletableFuture()
                    .get(OWNER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            reply = MailboxWriteCodec.refused(cause instanceof StoreException s ? s
                    : StoreException.unavailable(String.valueOf(cause), cause));
        } catch (TimeoutException e) {
            reply = MailboxWriteCodec.refused(StoreException.unavailable("the mailbox owner's store did not answer in "
                    + OWNER_TIMEOUT_SECONDS + " s", null));
        }
        return reply.toByteArray();
    }

    /**
     * The task: the request's bytes, run by the owner's executor on the store its
     * {@link PartitionRoutedMailboxStore} registered. Only bytes cross the wire (Hazelcast writes the
     * class name, then {@link #writeData}).
     */
    public static final class RoutedWrite implements Callable<byte[]>, DataSerializable, HazelcastInstanceAware {

        private byte[] request;
        private transient HazelcastInstance hazelcast;

        /** For Hazelcast's deserialization. */
        public RoutedWrite() {
        }

        RoutedWrite(byte[] request) {
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
                throw new IllegalStateException("this member runs no mailbox writes");
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
    public CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse,
            long uidValidity) {
        return local.create(user, path, specialUse, uidValidity);
    }

    @Override
    public CompletionStage<Boolean> adoptUidValidity(Mailbox mailbox, long uidValidity) {
        return local.adoptUidValidity(mailbox, uidValidity);
    }

    /** Restores are rare and run by a command, not a member: here, behind the store's fence. */
    @Override
    public CompletionStage<Void> restore(MailboxId mailbox, List<RestoredMessage> messages, long uidNext) {
        return local.restore(mailbox, messages, uidNext);
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
    public CompletionStage<QuotaUsage> quotaUsage(MailAddress user) {
        return local.quotaUsage(user);
    }
}
