package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.proto.cluster.v1.ClaimRecentRequest;
import io.yubin.proto.cluster.v1.MailboxWriteRequest;
import io.yubin.store.AppendResult;
import io.yubin.store.CopyResult;
import io.yubin.store.FlagUpdate;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxId;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.backends.FreePorts;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hand-off of {@link PartitionRoutedMailboxStore} between two real members (one shared embedded
 * store stands for the shared Cassandra): what runs where, what crosses, what happens when the owner
 * cannot run it. The concurrency and UID proof is {@code PartitionRoutedAppendsTest}.
 */
class PartitionRoutedMailboxStoreTest {

    @TempDir
    static Path dir;

    private static ClusterMember here;
    private static ClusterMember there;
    private static Storage storage;

    @BeforeAll
    static void start() throws Exception {
        int herePort = freePort();
        int therePort = freePort();
        List<String> members = List.of("127.0.0.1:" + herePort, "127.0.0.1:" + therePort);
        String name = "routed-" + ProcessHandle.current().pid();
        here = ClusterMember.startEmbedded(new ClusterMember.Options(name, "127.0.0.1", herePort).joining(members));
        there = ClusterMember.startEmbedded(new ClusterMember.Options(name, "127.0.0.1", therePort).joining(members));
        await().atMost(Duration.ofSeconds(60)).until(() -> here.instance().getCluster().getMembers().size() == 2);
        // Hazelcast assigns partitions on first use; until then they have no owner (appends stay local).
        here.instance().getMap("assign-partitions").size();
        await().atMost(Duration.ofSeconds(60)).until(() -> here.instance().getPartitionService().isClusterSafe()
                && here.instance().getPartitionService().getPartitions().stream().allMatch(p -> p.getOwner() != null));
        storage = EmbeddedStorage.open(dir.resolve("data"));
        storage.directory().addDomain(Domain.parse("example.test")).toCompletableFuture().get();
    }

    @AfterAll
    static void stop() throws Exception {
        storage.close();
        there.close();
        here.close();
    }

    @Test
    void anAppendToAMailboxOwnedByTheOtherMemberRunsThereWithEverythingItCarries() throws Exception {
        try (PartitionRoutedMailboxStore sender = new PartitionRoutedMailboxStore(here.instance(), storage.mailboxes());
                PartitionRoutedMailboxStore owner = new PartitionRoutedMailboxStore(there.instance(),
                        storage.mailboxes())) {
            Mailbox inbox = inboxOwnedBy(there, "owned");
            StoredBlob blob = blob();
            Instant date = Instant.parse("2024-05-06T07:08:09.123456789Z");
            NewMessage message = new NewMessage(blob, date, Flags.of("\\Seen", "$Forwarded"), "spool-a/owned@example.test");

            AppendResult first = sender.append(inbox.id(), message).toCompletableFuture().get(30, TimeUnit.SECONDS);
            AppendResult again = sender.append(inbox.id(), message).toCompletableFuture().get(30, TimeUnit.SECONDS);

            assertThat(sender.handedOff()).isEqualTo(2);
            assertThat(first.duplicate()).isFalse();
            assertThat(again).isEqualTo(new AppendResult(first.mailbox(), first.uidValidity(), first.uid(),
                    first.modSeq(), true));
            List<MessageRecord> stored = storage.mailboxes().messages(inbox.id(), UidSet.ALL).toCompletableFuture()
                    .get();
            assertThat(stored).singleElement().satisfies(m -> {
                assertThat(m.uid()).isEqualTo(first.uid());
                assertThat(m.blob()).isEqualTo(blob);
                assertThat(m.internalDate()).isEqualTo(date);
                assertThat(m.flags()).isEqualTo(Flags.of("\\Seen", "$Forwarded"));
            });
        }
    }

    @Test
    void theOwnersRefusalComesBackAsTheSameStoreError() throws Exception {
        try (PartitionRoutedMailboxStore sender = new PartitionRoutedMailboxStore(here.instance(), storage.mailboxes());
                PartitionRoutedMailboxStore owner = new PartitionRoutedMailboxStore(there.instance(),
                        storage.mailboxes())) {
            MailboxId missing = idOwnedBy(there);
            NewMessage message = new NewMessage(blob(), Instant.now(), Flags.NONE, "spool-b/x@example.test");

            assertThatThrownBy(() -> sender.append(missing, message).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND));
            assertThat(sender.fellBack()).isZero();
        }
    }

    @Test
    void anOwnerThatRunsNoAppendsLeavesADeliveryToTheSenderAndRefusesAKeylessAppend() throws Exception {
        try (PartitionRoutedMailboxStore sender = new PartitionRoutedMailboxStore(here.instance(),
                storage.mailboxes())) {
            // No PartitionRoutedMailboxStore on the owner: as a member of an older version, or one stopping.
            Mailbox inbox = inboxOwnedBy(there, "fallback");
            StoredBlob blob = blob();

            AppendResult delivered = sender.append(inbox.id(), new NewMessage(blob, Instant.now(), Flags.NONE,
                    "spool-c/fallback@example.test")).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(sender.fellBack()).isEqualTo(1);
            assertThat(delivered.duplicate()).isFalse();

            assertThatThrownBy(() -> sender.append(inbox.id(), new NewMessage(blob, Instant.now(), Flags.NONE, null))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
            assertThat(storage.mailboxes().messages(inbox.id(), UidSet.ALL).toCompletableFuture().get()).hasSize(1);
        }
    }

    @Test
    void flagChangesExpungesCopiesMovesAndTheRecentClaimRunOnTheOwnerAndAnswerWhatTheStoreAnswered()
            throws Exception {
        try (PartitionRoutedMailboxStore sender = new PartitionRoutedMailboxStore(here.instance(), storage.mailboxes());
                PartitionRoutedMailboxStore owner = new PartitionRoutedMailboxStore(there.instance(),
                        storage.mailboxes())) {
            Mailbox inbox = inboxOwnedBy(there, "changes");
            MailAddress user = inbox.owner();
            Mailbox archive = get(storage.mailboxes().find(user, new MailboxPath("Archive"))).orElseThrow();
            Mailbox trash = get(storage.mailboxes().find(user, new MailboxPath("Trash"))).orElseThrow();
            Instant date = Instant.parse("2024-05-06T07:08:09.5Z");
            StoredBlob blob = blob();
            for (int i = 0; i < 4; i++) {
                get(storage.mailboxes().append(inbox.id(), new NewMessage(blob, date, Flags.NONE, null)));
            }

            FlagUpdate flagged = get(sender.updateFlags(inbox.id(), UidSet.of(new UidSet.Range(1, 2)),
                    MailboxStore.FlagOperation.ADD, Flags.of("\\Deleted", "$Label1"), -1));
            assertThat(flagged.changed()).extracting(MessageRecord::uid).containsExactly(1L, 2L);
            assertThat(flagged.changed()).allSatisfy(m -> {
                assertThat(m.flags()).isEqualTo(Flags.of("\\Deleted", "$Label1"));
                assertThat(m.internalDate()).isEqualTo(date);
                assertThat(m.blob()).isEqualTo(blob);
            });
            long flaggedModSeq = flagged.changed().get(1).modSeq();
            FlagUpdate conditional = get(sender.updateFlags(inbox.id(), UidSet.of(new UidSet.Range(1, 3)),
                    MailboxStore.FlagOperation.REPLACE, Flags.of("\\Seen"), flaggedModSeq - 1));
            assertThat(conditional.modified()).containsExactly(2L);

            List<MessageRecord> expunged = get(sender.expungeMessages(inbox.id(), UidSet.ALL, true));
            assertThat(expunged).extracting(MessageRecord::uid).containsExactly(2L);
            assertThat(expunged.get(0).flags()).isEqualTo(Flags.of("\\Deleted", "$Label1"));

            CopyResult copied = get(sender.copy(inbox.id(), UidSet.single(3), archive.id()));
            assertThat(copied.sourceUids()).containsExactly(3L);
            assertThat(copied.targetUidValidity()).isEqualTo(archive.uidValidity());
            CopyResult moved = get(sender.move(inbox.id(), UidSet.of(new UidSet.Range(3, 4)), trash.id()));
            assertThat(moved.sourceUids()).containsExactly(3L, 4L);
            assertThat(moved.targetUids()).hasSize(2);

            assertThat(get(sender.claimRecent(inbox.id(), 4))).isZero();
            assertThat(get(sender.claimRecent(inbox.id(), 4))).isEqualTo(4);

            // Six routed by the INBOX; the copy by its target, which may be owned here.
            boolean archiveThere = there.instance().getPartitionService().getPartition(archive.id().value()).getOwner()
                    .localMember();
            assertThat(sender.handedOff()).isEqualTo(archiveThere ? 7 : 6);
            assertThat(sender.fellBack()).isZero();
            assertThat(get(storage.mailboxes().messages(inbox.id(), UidSet.ALL))).extracting(MessageRecord::uid)
                    .containsExactly(1L);
            assertThat(get(storage.mailboxes().messages(trash.id(), UidSet.ALL))).hasSize(2);
            assertThat(get(storage.mailboxes().messages(archive.id(), UidSet.ALL))).hasSize(1);

            assertThatThrownBy(() -> get(sender.claimRecent(idOwnedBy(there), 1)))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND));
        }
    }

    @Test
    void anOwnerThatRunsNoWritesLeavesARepeatableChangeToTheSenderAndRefusesTheOthers() throws Exception {
        try (PartitionRoutedMailboxStore sender = new PartitionRoutedMailboxStore(here.instance(),
                storage.mailboxes())) {
            Mailbox inbox = inboxOwnedBy(there, "fallback-changes");
            get(storage.mailboxes().append(inbox.id(), new NewMessage(blob(), Instant.now(), Flags.NONE, null)));
            Mailbox archive = get(storage.mailboxes().find(inbox.owner(), new MailboxPath("Archive"))).orElseThrow();

            assertThat(get(sender.updateFlags(inbox.id(), UidSet.ALL, MailboxStore.FlagOperation.ADD,
                    Flags.of("\\Seen"), -1)).changed()).hasSize(1);
            assertThat(get(sender.claimRecent(inbox.id(), 1))).isZero();
            assertThat(sender.fellBack()).isEqualTo(2);

            for (var change : List.<java.util.concurrent.Callable<?>>of(
                    () -> get(sender.move(inbox.id(), UidSet.ALL, archive.id())),
                    () -> get(sender.updateFlags(inbox.id(), UidSet.ALL, MailboxStore.FlagOperation.ADD,
                            Flags.of("$Label2"), 1_000_000)))) {
                assertThatThrownBy(change::call).isInstanceOfSatisfying(StoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
            }
            assertThat(get(storage.mailboxes().messages(archive.id(), UidSet.ALL))).isEmpty();
            assertThat(get(storage.mailboxes().messages(inbox.id(), UidSet.ALL))).singleElement()
                    .satisfies(m -> assertThat(m.flags()).isEqualTo(Flags.of("\\Seen")));
        }
    }

    @Test
    void aRequestOfANewerVersionIsRefusedSoTheSenderDecides() {
        byte[] newer = MailboxWriteRequest.newBuilder().setVersion(MailboxWriteCodec.VERSION + 1)
                .setClaimRecent(ClaimRecentRequest.newBuilder().setMailboxId("m").setUid(1)).build().toByteArray();

        assertThatThrownBy(() -> PartitionRoutedMailboxStore.run(storage.mailboxes(), newer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 2");
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** Provisions users until one's INBOX id falls in a partition {@code member} owns. */
    private static Mailbox inboxOwnedBy(ClusterMember member, String prefix) throws Exception {
        for (int i = 0; i < 200; i++) {
            MailAddress user = MailAddress.parse(prefix + i + "@example.test");
            storage.mailboxes().provision(user).toCompletableFuture().get();
            Mailbox inbox = storage.mailboxes().find(user, MailboxPath.INBOX).toCompletableFuture().get().orElseThrow();
            if (member.instance().getPartitionService().getPartition(inbox.id().value()).getOwner().localMember()) {
                return inbox;
            }
        }
        throw new IllegalStateException("no INBOX landed on " + member.instance().getName());
    }

    private static MailboxId idOwnedBy(ClusterMember member) {
        for (int i = 0; ; i++) {
            MailboxId id = new MailboxId("missing-" + i);
            if (member.instance().getPartitionService().getPartition(id.value()).getOwner().localMember()) {
                return id;
            }
        }
    }

    private static StoredBlob blob() throws Exception {
        return storage.blobs().put(new ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n"
                .getBytes(StandardCharsets.US_ASCII))).toCompletableFuture().get();
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }
}
