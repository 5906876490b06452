package io.yubin.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.AppendResult;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cassandra going away and coming back under one open Storage: every call fails as UNAVAILABLE
 * within the request timeout (none hangs), and the same Storage serves again by itself afterwards.
 * Each message is checked by its delivery key and body hash: the one acknowledged before the kill
 * survives, the appends that failed left nothing, and no UID is used twice.
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
            Map<String, StoredBlob> bodies = new LinkedHashMap<>();
            for (String key : List.of("before", "down-0", "down-1", "down-2", "after")) {
                bodies.put(key, await(storage.blobs().put(new ByteArrayInputStream(
                        ("Subject: " + key + "\r\n\r\nbody of " + key + "\r\n").getBytes(StandardCharsets.US_ASCII)))));
            }
            AppendResult before = await(storage.mailboxes().append(inbox.id(), message(bodies.get("before"), "before")));

            node.kill();
            for (int i = 0; i < 3; i++) {
                assertUnavailable(storage.mailboxes().append(inbox.id(), message(bodies.get("down-" + i), "down-" + i)));
                assertUnavailable(storage.spool().accept(entry(bodies.get("before"))));
                assertUnavailable(storage.directory().listDomains());
            }

            node.start();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .ignoreExceptionsMatching(e -> e instanceof StoreException se
                            && se.kind() == StoreException.Kind.UNAVAILABLE)
                    .until(() -> await(storage.directory().listDomains()) != null);
            AppendResult after = await(storage.mailboxes().append(inbox.id(), message(bodies.get("after"), "after")));
            SpoolEntry e = entry(bodies.get("after"));
            await(storage.spool().accept(e));
            assertThat(await(storage.spool().find(e.id()))).isPresent();

            // By delivery key: the acknowledged append survived the kill, and appending it again is a duplicate.
            AppendResult again = await(storage.mailboxes().append(inbox.id(), message(bodies.get("before"), "before")));
            assertThat(again.duplicate()).isTrue();
            assertThat(again.uid()).isEqualTo(before.uid());
            assertThat(after.duplicate()).isFalse();
            assertThat(after.uid()).isGreaterThan(before.uid());
            // The failed appends left nothing: their keys are new, and get UIDs above every one used.
            long highest = after.uid();
            for (int i = 0; i < 3; i++) {
                AppendResult retried = await(storage.mailboxes().append(inbox.id(),
                        message(bodies.get("down-" + i), "down-" + i)));
                assertThat(retried.duplicate()).as("down-%d left nothing", i).isFalse();
                assertThat(retried.uid()).as("no UID reused").isGreaterThan(highest);
                highest = retried.uid();
            }
            Map<Long, String> stored = new TreeMap<>();
            for (MessageRecord m : await(storage.mailboxes().messages(inbox.id(), UidSet.ALL))) {
                stored.put(m.uid(), m.blob().sha256());
            }
            assertThat(stored.values()).containsExactly(bodies.get("before").sha256(), bodies.get("after").sha256(),
                    bodies.get("down-0").sha256(), bodies.get("down-1").sha256(), bodies.get("down-2").sha256());
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
