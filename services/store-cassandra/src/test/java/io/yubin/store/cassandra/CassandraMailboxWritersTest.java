package io.yubin.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.AppendResult;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.NewMessage;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.FileBlobStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** UID allocation beyond the contract: batching within a process, fencing between processes. */
@ExtendWith(CassandraTestNode.class)
class CassandraMailboxWritersTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");

    @TempDir
    Path dir;

    @Test
    void aBurstOfAppendsToOneMailboxSharesFewCounterUpdates() throws Exception {
        try (Storage storage = CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2))) {
            Mailbox inbox = inbox(storage);
            StoredBlob blob = blob(storage);
            CassandraMailboxStore store = (CassandraMailboxStore) storage.mailboxes();
            long before = store.counterCommits();

            List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                appends.add(store.append(inbox.id(), new NewMessage(blob, Instant.now(), Flags.NONE, "burst/" + i))
                        .toCompletableFuture());
            }
            List<Long> uids = new ArrayList<>();
            for (CompletableFuture<AppendResult> a : appends) {
                uids.add(a.get(60, TimeUnit.SECONDS).uid());
            }

            assertThat(uids).doesNotHaveDuplicates().hasSize(200);
            assertThat(messages(storage, inbox)).extracting(MessageRecord::uid).containsExactlyElementsOf(
                    uids.stream().sorted().toList());
            // One conditional update per batch, not one per append.
            assertThat(store.counterCommits() - before).isLessThan(50);
        }
    }

    @Test
    void twoServersAppendingToOneMailboxNeverShareAUid() throws Exception {
        try (Storage one = CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2));
                Storage two = CassandraStorage.open(CassandraTestNode.options(),
                        FileBlobStore.open(dir.resolve("blobs"), 2))) {
            Mailbox inbox = inbox(one);
            StoredBlob blob = blob(one);

            List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Storage s = i % 2 == 0 ? one : two;
                appends.add(s.mailboxes().append(inbox.id(), new NewMessage(blob, Instant.now(), Flags.NONE, null))
                        .toCompletableFuture());
            }
            List<Long> uids = new ArrayList<>();
            for (CompletableFuture<AppendResult> a : appends) {
                uids.add(a.get(120, TimeUnit.SECONDS).uid());
            }

            assertThat(uids).doesNotHaveDuplicates().hasSize(100);
            assertThat(messages(two, inbox)).extracting(MessageRecord::uid)
                    .containsExactlyElementsOf(uids.stream().sorted().toList());
            assertThat(one.mailboxes().status(inbox.id()).toCompletableFuture().get().messages()).isEqualTo(100);
        }
    }

    /**
     * docs/architecture.md §4.3, never late: three writers on one mailbox while a reader polls every
     * UID. Each change's rows are written in parallel after its counters moved, and another writer's
     * change may finish first; a reader bounded by {@code uid_next}, or by a {@code uid_visible} one
     * writer moved past another's unwritten UIDs, saw a UID appear below one it had already shown.
     */
    @Test
    void aReaderNeverSeesAUidAppearBelowOneItHasSeen() throws Exception {
        try (Storage one = CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2));
                Storage two = CassandraStorage.open(CassandraTestNode.options(),
                        FileBlobStore.open(dir.resolve("blobs"), 2));
                Storage three = CassandraStorage.open(CassandraTestNode.options(),
                        FileBlobStore.open(dir.resolve("blobs"), 2))) {
            Mailbox inbox = inbox(one);
            StoredBlob blob = blob(one);
            List<Storage> writers = List.of(one, two, three);
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<String> late = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                java.util.TreeSet<Long> seen = new java.util.TreeSet<>();
                int polls = 0;
                while (writing.get() || polls == 0) {
                    List<MessageRecord> now = two.mailboxes().messages(inbox.id(), UidSet.ALL).toCompletableFuture()
                            .join();
                    long highest = seen.isEmpty() ? 0 : seen.last();
                    for (MessageRecord m : now) {
                        if (!seen.contains(m.uid()) && m.uid() < highest) {
                            late.add(m.uid() + " appeared after " + highest);
                        }
                    }
                    now.forEach(m -> seen.add(m.uid()));
                    polls++;
                }
                return polls;
            });

            List<CompletableFuture<AppendResult>> appends = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                Storage s = writers.get(i % 3);
                String key = "late/" + i;
                appends.add(appendRetrying(s, inbox, new NewMessage(blob, Instant.now(), Flags.NONE, key), 20));
            }
            List<Long> uids = new ArrayList<>();
            for (CompletableFuture<AppendResult> a : appends) {
                uids.add(a.get(300, TimeUnit.SECONDS).uid());
            }
            writing.set(false);
            assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();

            assertThat(late).isEmpty();
            assertThat(uids).doesNotHaveDuplicates().hasSize(150);
            assertThat(messages(one, inbox)).extracting(MessageRecord::uid)
                    .containsExactlyElementsOf(uids.stream().sorted().toList());
        }
    }

    /**
     * A writer that died after moving the counters and before publishing them (its rows may or may
     * not be written) holds the mailbox only until its change is old enough: then the next writer
     * publishes it and goes on. Readers never see past the watermark meanwhile.
     */
    @Test
    void aChangeLeftUnpublishedByADeadWriterIsPublishedByTheNextAfterTheGrace() throws Exception {
        try (Storage one = CassandraTestNode.open(dir, FileBlobStore.open(dir.resolve("blobs"), 2));
                com.datastax.oss.driver.api.core.CqlSession session = CassandraStorage.connect(
                        CassandraTestNode.options(), true)) {
            Mailbox inbox = inbox(one);
            StoredBlob blob = blob(one);
            AppendResult first = one.mailboxes().append(inbox.id(), new NewMessage(blob, Instant.now(), Flags.NONE,
                    null)).toCompletableFuture().get(60, TimeUnit.SECONDS);
            // The dead writer: UIDs 2..3 and MODSEQs 2..3 taken, nothing written, nothing published.
            assertThat(session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(
                    "UPDATE mailbox_state SET uid_next = 4, highest_modseq = 3 WHERE id = ? IF uid_next = 2 "
                            + "AND highest_modseq = 1", inbox.id().value())).wasApplied()).isTrue();
            assertThat(one.mailboxes().status(inbox.id()).toCompletableFuture().get().uidNext()).isEqualTo(2);

            Cql cql = new Cql(session);
            CassandraMailboxStore next = new CassandraMailboxStore(cql, new CassandraBlobReferences(cql), () -> { },
                    java.time.Duration.ofSeconds(2));
            // As delivery would, trying again after UNAVAILABLE ("being changed elsewhere").
            AppendResult appended = appendRetrying(next, inbox, new NewMessage(blob, Instant.now(), Flags.NONE,
                    "after"), 5).get(120, TimeUnit.SECONDS);

            assertThat(next.fencedRetries()).as("it waited for the change in flight").isPositive();
            assertThat(appended.uid()).isEqualTo(4);
            assertThat(appended.modSeq()).isEqualTo(4);
            assertThat(messages(one, inbox)).extracting(MessageRecord::uid).containsExactly(first.uid(), 4L);
            assertThat(one.mailboxes().status(inbox.id()).toCompletableFuture().get().uidNext()).isEqualTo(5);
            assertThat(one.mailboxes().changesSince(inbox.id(), first.modSeq()).toCompletableFuture().get()
                    .changed()).extracting(MessageRecord::uid).containsExactly(4L);
        }
    }

    private static CompletableFuture<AppendResult> appendRetrying(Storage s, Mailbox inbox, NewMessage m, int tries) {
        return appendRetrying(s.mailboxes(), inbox, m, tries);
    }

    /** As delivery does: an append that found the mailbox busy elsewhere is tried again (same key). */
    private static CompletableFuture<AppendResult> appendRetrying(io.yubin.store.MailboxStore s, Mailbox inbox,
            NewMessage m, int tries) {
        return s.append(inbox.id(), m).toCompletableFuture().handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            if (tries <= 1) {
                return CompletableFuture.<AppendResult>failedFuture(e);
            }
            return appendRetrying(s, inbox, m, tries - 1);
        }).thenCompose(f -> f);
    }

    private static Mailbox inbox(Storage storage) throws Exception {
        storage.directory().addDomain(Domain.parse("example.test")).toCompletableFuture().get();
        storage.mailboxes().provision(ALICE).toCompletableFuture().get();
        return storage.mailboxes().find(ALICE, MailboxPath.INBOX).toCompletableFuture().get().orElseThrow();
    }

    private static StoredBlob blob(Storage storage) throws Exception {
        return storage.blobs().put(new ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)))
                .toCompletableFuture().get();
    }

    private static List<MessageRecord> messages(Storage storage, Mailbox inbox) throws Exception {
        return storage.mailboxes().messages(inbox.id(), UidSet.ALL).toCompletableFuture().get();
    }
}
