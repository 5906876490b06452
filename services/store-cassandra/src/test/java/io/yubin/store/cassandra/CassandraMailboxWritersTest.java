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
