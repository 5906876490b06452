package io.yubin.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.Mailbox;
import io.yubin.store.NewMessage;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.FileBlobStore;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cassandra going away and coming back under one open Storage: every call fails as UNAVAILABLE
 * within the request timeout (none hangs), and the same Storage serves again by itself afterwards.
 */
class CassandraRestartTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");

    @TempDir
    Path dir;

    @Test
    void failsAsUnavailableWhileCassandraIsAwayAndResumesByItself() throws Exception {
        try (CassandraNode node = CassandraNodes.start(dir.resolve("node"));
                Storage storage = CassandraStorage.open(CassandraOptions.of(node.contactPoint(),
                        node.localDatacenter(), "restart").withRequestTimeout(Duration.ofSeconds(2)),
                        FileBlobStore.open(dir.resolve("blobs"), 2))) {
            await(storage.directory().addDomain(Domain.parse("example.test")));
            await(storage.mailboxes().provision(ALICE));
            Mailbox inbox = await(storage.mailboxes().find(ALICE, MailboxPath.INBOX)).orElseThrow();
            StoredBlob blob = await(storage.blobs().put(new ByteArrayInputStream(
                    "Subject: r\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))));
            await(storage.mailboxes().append(inbox.id(), message(blob, "before")));

            node.kill();
            for (int i = 0; i < 3; i++) {
                assertUnavailable(storage.mailboxes().append(inbox.id(), message(blob, "down-" + i)));
                assertUnavailable(storage.spool().accept(entry(blob)));
                assertUnavailable(storage.directory().listDomains());
                Thread.sleep(500);
            }

            node.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    await(storage.directory().listDomains());
                    break;
                } catch (StoreException e) {
                    assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE);
                    assertThat(System.nanoTime()).as("reconnected within 60 s").isLessThan(deadline);
                    Thread.sleep(250);
                }
            }
            await(storage.mailboxes().append(inbox.id(), message(blob, "after")));
            SpoolEntry e = entry(blob);
            await(storage.spool().accept(e));
            assertThat(await(storage.spool().find(e.id()))).isPresent();
            assertThat(await(storage.mailboxes().messages(inbox.id(), UidSet.ALL))).hasSizeGreaterThanOrEqualTo(2);
        }
    }

    private static NewMessage message(StoredBlob blob, String key) {
        return new NewMessage(blob, Instant.now(), Flags.NONE, key);
    }

    private static SpoolEntry entry(StoredBlob blob) {
        return SpoolEntry.queued(SpoolId.next(), Envelope.of(ALICE, List.of(ALICE)), blob, Instant.now(),
                new SpoolEntry.ClientInfo("client.test", "127.0.0.1", null));
    }

    /** Fails within 15 s: a hung call fails the test instead of waiting for ever. */
    private static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StoreException se ? se : e;
        }
    }

    private static void assertUnavailable(CompletionStage<?> stage) {
        assertThatThrownBy(() -> await(stage)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
    }
}
