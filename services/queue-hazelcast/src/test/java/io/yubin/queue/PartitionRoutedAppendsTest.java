package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.AppendResult;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.cassandra.CassandraOptions;
import io.yubin.store.cassandra.CassandraStorage;
import io.yubin.store.embedded.FileBlobStore;
import io.yubin.testing.backends.FreePorts;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UIDs across members (docs/architecture.md §4.3, docs/scaling.md): three Hazelcast members, each with
 * its own Cassandra session as a Yubin process has, deliver concurrently to one mailbox while a fourth
 * reads it the way IMAP does ({@code changesSince} to learn, then {@code UID FETCH n:*} over the
 * store's messages). Without routing every member's writer races the others on the fenced counters;
 * with {@link PartitionRoutedMailboxStore} the owner's writer is the only one.
 */
class PartitionRoutedAppendsTest {

    private static final int MEMBERS = 3;
    private static final int WORKERS_PER_MEMBER = 4;
    private static final int MESSAGES_PER_WORKER = 25;

    @TempDir
    static Path dir;

    private static CassandraNode cassandra;
    private static final List<ClusterMember> members = new ArrayList<>();
    private static final List<Storage> storages = new ArrayList<>();
    private static final List<SimpleMeterRegistry> metrics = new ArrayList<>();
    private static final List<PartitionRoutedMailboxStore> routed = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cassandra = CassandraNodes.start(Files.createTempDirectory(dir, "cassandra-"));
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i <= MEMBERS; i++) {
            ports.add(FreePorts.belowEphemeralRange());
        }
        List<String> addresses = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        String name = "uids-" + ProcessHandle.current().pid();
        // Members 0..2 deliver; member 3 reads, as an IMAP server on another pod would.
        for (int i = 0; i <= MEMBERS; i++) {
            members.add(ClusterMember.startEmbedded(new ClusterMember.Options(name, "127.0.0.1", ports.get(i))
                    .joining(addresses)));
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            metrics.add(registry);
            storages.add(CassandraStorage.open(options(), FileBlobStore.open(dir.resolve("blobs"), 2), registry));
        }
        for (int i = 0; i <= MEMBERS; i++) {
            routed.add(new PartitionRoutedMailboxStore(members.get(i).instance(), storages.get(i).mailboxes()));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> members.get(0).instance().getCluster().getMembers().size()
                == MEMBERS + 1);
        // Hazelcast assigns partitions on first use; until then they have no owner (appends stay local).
        members.get(0).instance().getMap("assign-partitions").size();
        await().atMost(Duration.ofSeconds(60)).until(() -> members.stream().allMatch(m -> m.instance()
                .getPartitionService().isClusterSafe() && m.instance().getPartitionService().getPartitions().stream()
                .allMatch(p -> p.getOwner() != null)));
        storages.get(0).directory().addDomain(Domain.parse("example.test")).toCompletableFuture().get();
    }

    @AfterAll
    static void stop() throws Exception {
        routed.forEach(PartitionRoutedMailboxStore::close);
        for (Storage s : storages) {
            s.close();
        }
        members.forEach(ClusterMember::close);
        if (cassandra != null) {
            cassandra.close();
        }
    }

    @Test
    void threeMembersDeliveringToOneMailboxNeverShowALateOrRepeatedUid() throws Exception {
        Run unrouted = deliver("unrouted@example.test", i -> storages.get(i).mailboxes());
        Run viaOwner = deliver("routed@example.test", routed::get);
        System.out.printf("UIDs across members: %d deliveries from %d members; fenced retries without routing %d, "
                + "with routing %d; appends handed to the owner %d; reader polls %d / %d%n",
                MEMBERS * WORKERS_PER_MEMBER * MESSAGES_PER_WORKER, MEMBERS, unrouted.fencedRetries(),
                viaOwner.fencedRetries(), routed.stream().mapToLong(PartitionRoutedMailboxStore::handedOff).sum(),
                unrouted.polls(), viaOwner.polls());

        for (Run run : List.of(unrouted, viaOwner)) {
            assertThat(run.late()).as("UIDs that appeared below one already seen").isEmpty();
            assertThat(run.uids()).doesNotHaveDuplicates().hasSize(MEMBERS * WORKERS_PER_MEMBER * MESSAGES_PER_WORKER);
            assertThat(run.stored()).containsExactlyElementsOf(run.uids().stream().sorted().toList());
        }
        assertThat(unrouted.fencedRetries()).as("members racing without routing").isPositive();
        assertThat(viaOwner.fencedRetries()).as("one writer, the owner's, with routing").isZero();
        assertThat(routed.stream().mapToLong(PartitionRoutedMailboxStore::fellBack).sum()).isZero();
    }

    @Test
    void aRepeatedDeliveryHandedToTheOwnerAppendsNothing() throws Exception {
        Mailbox inbox = inbox("repeat@example.test");
        StoredBlob blob = blob();
        NewMessage message = new NewMessage(blob, Instant.now(), Flags.of("\\Seen"), "spool-1/repeat@example.test");
        List<AppendResult> results = new ArrayList<>();
        for (PartitionRoutedMailboxStore store : routed) {
            results.add(store.append(inbox.id(), message).toCompletableFuture().get(60, TimeUnit.SECONDS));
        }
        assertThat(results).extracting(AppendResult::uid).containsOnly(results.get(0).uid());
        assertThat(results.stream().filter(r -> !r.duplicate())).hasSize(1);
        List<MessageRecord> stored = storages.get(MEMBERS).mailboxes().messages(inbox.id(), UidSet.ALL)
                .toCompletableFuture().get();
        assertThat(stored).singleElement().satisfies(m -> {
            assertThat(m.blob()).isEqualTo(blob);
            assertThat(m.flags()).isEqualTo(Flags.of("\\Seen"));
        });
    }

    /**
     * The fence when ownership moves: the owner of the mailbox's partition dies (terminated, no
     * graceful leave) in the middle of a delivery run. Appends handed to it fail over to the senders,
     * which append themselves, while the dead member's store may still finish the ones it had taken;
     * every message still gets one UID, none twice, none late.
     */
    @Test
    void whenTheOwnerDiesMidRunEveryMessageStillGetsOneUidNeverLate() throws Exception {
        ClusterMember owner = ClusterMember.startEmbedded(new ClusterMember.Options(
                members.get(0).instance().getConfig().getClusterName(), "127.0.0.1", FreePorts.belowEphemeralRange())
                .joining(members.get(0).instance().getConfig().getNetworkConfig().getJoin().getTcpIpConfig()
                        .getMembers()));
        Storage ownerStorage = CassandraStorage.open(options(), FileBlobStore.open(dir.resolve("blobs"), 2),
                new SimpleMeterRegistry());
        PartitionRoutedMailboxStore ownerStore = new PartitionRoutedMailboxStore(owner.instance(),
                ownerStorage.mailboxes());
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> owner.instance().getCluster().getMembers().size()
                    == MEMBERS + 2 && owner.instance().getPartitionService().isClusterSafe());
            Mailbox inbox = null;
            for (int i = 0; inbox == null && i < 100; i++) {
                Mailbox candidate = inbox("moving" + i + "@example.test");
                if (owner.instance().getPartitionService().getPartition(candidate.id().value()).getOwner()
                        .localMember()) {
                    inbox = candidate;
                }
            }
            assertThat(inbox).as("a mailbox whose partition the dying member owns").isNotNull();
            Mailbox target = inbox;
            StoredBlob blob = blob();
            long fellBackBefore = routed.stream().mapToLong(PartitionRoutedMailboxStore::fellBack).sum();
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            List<CompletableFuture<List<Long>>> workers = new ArrayList<>();
            for (int member = 0; member < MEMBERS; member++) {
                for (int w = 0; w < WORKERS_PER_MEMBER; w++) {
                    MailboxStore store = routed.get(member);
                    String worker = member + "-" + w;
                    CompletableFuture<List<Long>> chain = CompletableFuture.completedFuture(new ArrayList<>());
                    for (int i = 0; i < MESSAGES_PER_WORKER; i++) {
                        NewMessage m = new NewMessage(blob, Instant.now(), Flags.NONE, "moving-" + worker + "-" + i);
                        chain = chain.thenCompose(list -> appendRetrying(store, target, m, 20).thenApply(r -> {
                            list.add(r.uid());
                            done.incrementAndGet();
                            return list;
                        }));
                    }
                    workers.add(chain);
                }
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> done.get() >= 60);
            owner.instance().getLifecycleService().terminate();

            List<Long> uids = new ArrayList<>();
            for (CompletableFuture<List<Long>> w : workers) {
                uids.addAll(w.get(300, TimeUnit.SECONDS));
            }
            List<Long> stored = storages.get(MEMBERS).mailboxes().messages(target.id(), UidSet.ALL)
                    .toCompletableFuture().get().stream().map(MessageRecord::uid).toList();
            System.out.printf("Owner died mid-run: %d appends, %d fell back to the sender, fenced retries %d%n",
                    uids.size(), routed.stream().mapToLong(PartitionRoutedMailboxStore::fellBack).sum()
                            - fellBackBefore, fencedRetries());
            assertThat(uids).doesNotHaveDuplicates().hasSize(MEMBERS * WORKERS_PER_MEMBER * MESSAGES_PER_WORKER);
            assertThat(stored).containsExactlyElementsOf(uids.stream().sorted().toList());
        } finally {
            ownerStore.close();
            ownerStorage.close();
            if (owner.running()) {
                owner.instance().getLifecycleService().terminate();
            }
        }
    }

    /** What one delivery run saw. */
    private record Run(List<Long> uids, List<Long> stored, List<String> late, long fencedRetries, int polls) {
    }

    private Run deliver(String user, Function<Integer, MailboxStore> storeOfMember) throws Exception {
        Mailbox inbox = inbox(user);
        StoredBlob blob = blob();
        long retriesBefore = fencedRetries();
        MailboxStore reader = storages.get(MEMBERS).mailboxes();
        AtomicBoolean delivering = new AtomicBoolean(true);
        List<String> late = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> polls = CompletableFuture.supplyAsync(() -> {
            // As an IMAP session: learn new UIDs from changesSince(HIGHESTMODSEQ), and list n:* with
            // n one above the highest UID shown (UID FETCH n:* (UID)).
            TreeSet<Long> shown = new TreeSet<>();
            long highestModSeq = 0;
            int n = 0;
            while (delivering.get() || n < 2) {
                var changes = reader.changesSince(inbox.id(), highestModSeq).toCompletableFuture().join();
                long highestShown = shown.isEmpty() ? 0 : shown.last();
                for (MessageRecord m : changes.changed()) {
                    if (!shown.contains(m.uid()) && m.uid() < highestShown) {
                        late.add("changesSince: " + m.uid() + " after " + highestShown);
                    }
                }
                changes.changed().forEach(m -> shown.add(m.uid()));
                highestModSeq = changes.highestModSeq();
                List<MessageRecord> all = reader.messages(inbox.id(), UidSet.ALL).toCompletableFuture().join();
                for (MessageRecord m : all) {
                    if (!shown.contains(m.uid()) && m.uid() < highestShown) {
                        late.add("UID FETCH 1:*: " + m.uid() + " after " + highestShown);
                    }
                }
                all.forEach(m -> shown.add(m.uid()));
                n++;
            }
            return n;
        });

        List<CompletableFuture<List<Long>>> workers = new ArrayList<>();
        for (int member = 0; member < MEMBERS; member++) {
            MailboxStore store = storeOfMember.apply(member);
            for (int w = 0; w < WORKERS_PER_MEMBER; w++) {
                String worker = member + "-" + w;
                // A delivery worker appends one message after the other; a failed one is tried again.
                CompletableFuture<List<Long>> chain = CompletableFuture.completedFuture(new ArrayList<>());
                for (int i = 0; i < MESSAGES_PER_WORKER; i++) {
                    NewMessage m = new NewMessage(blob, Instant.now(), Flags.NONE, "spool-" + worker + "-" + i + "/"
                            + user);
                    chain = chain.thenCompose(list -> appendRetrying(store, inbox, m, 20).thenApply(r -> {
                        list.add(r.uid());
                        return list;
                    }));
                }
                workers.add(chain);
            }
        }
        List<Long> uids = new ArrayList<>();
        for (CompletableFuture<List<Long>> w : workers) {
            uids.addAll(w.get(300, TimeUnit.SECONDS));
        }
        delivering.set(false);
        int n = polls.get(60, TimeUnit.SECONDS);
        List<Long> stored = reader.messages(inbox.id(), UidSet.ALL).toCompletableFuture().get().stream()
                .map(MessageRecord::uid).toList();
        return new Run(uids, stored, List.copyOf(late), fencedRetries() - retriesBefore, n);
    }

    private static CompletableFuture<AppendResult> appendRetrying(MailboxStore store, Mailbox inbox, NewMessage m,
            int tries) {
        return store.append(inbox.id(), m).toCompletableFuture().handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            if (tries <= 1) {
                return CompletableFuture.<AppendResult>failedFuture(e);
            }
            return appendRetrying(store, inbox, m, tries - 1);
        }).thenCompose(f -> f);
    }

    private static CassandraOptions options() {
        return CassandraOptions.of(cassandra.contactPoint(), cassandra.localDatacenter(), "uids_across")
                .withRequestTimeout(Duration.ofSeconds(10));
    }

    private static long fencedRetries() {
        return (long) metrics.stream().mapToDouble(r -> r.counter(CassandraStorage.FENCED_RETRIES).count()).sum();
    }

    private static Mailbox inbox(String user) throws Exception {
        MailAddress address = MailAddress.parse(user);
        storages.get(0).mailboxes().provision(address).toCompletableFuture().get();
        return storages.get(0).mailboxes().find(address, MailboxPath.INBOX).toCompletableFuture().get().orElseThrow();
    }

    private static StoredBlob blob() throws Exception {
        return storages.get(0).blobs().put(new ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n"
                .getBytes(StandardCharsets.US_ASCII))).toCompletableFuture().get();
    }
}
