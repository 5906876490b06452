package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import io.yubin.testing.s3proxy.S3Endpoint;
import io.yubin.testing.s3proxy.S3Endpoints;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster backends failing under SMTP traffic (issues 7 and 15): {@code yubin serve} on
 * Cassandra + S3 as its own process while {@value #SENDERS} connections send small and large bodies
 * without pause; Cassandra, then S3, is SIGKILLed in the middle of their transactions and started
 * again. While a backend is away the server answers {@code 451 4.3.0} (never 250, never 5xx, never a
 * dropped connection) and is not ready; once it is back the server serves again by itself; and every
 * message that got a 250 before, during or after the faults is in the INBOX exactly once, checked by
 * the SHA-256 of its body. The backends are processes, or containers where Docker is.
 */
class ClusterStorageFaultTest {

    private static final int SENDERS = 8;
    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final Pattern FAULT_ID = Pattern.compile("\r\nX-Fault-Id: (\\d+)\r\n");
    private static final Duration PHASE = Duration.ofSeconds(90);

    @TempDir
    static Path home;

    private static CassandraNode cassandra;
    private static S3Endpoint s3;
    private static ServerProcess server;

    @BeforeAll
    static void start() throws Exception {
        cassandra = CassandraNodes.start(home.resolve("cassandra"));
        s3 = S3Endpoints.start(home.resolve("s3"));
        // The server's log stays in target/ for a failure's post-mortem.
        Path logs = Files.createDirectories(Path.of("target", "cluster-fault"));
        server = ClusterStorage.configure(new ServerProcess(home.resolve("data"), logs), cassandra, s3, "fault")
                .environment("YUBIN_STORAGE_CASSANDRA_REQUEST_TIMEOUT_MS", "2000")
                .environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024")
                .environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
        server.start("server.log");
        server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
        server.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"a long secret phrase\"}");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            try {
                if (s3 != null) {
                    s3.close();
                }
            } finally {
                if (cassandra != null) {
                    cassandra.close();
                }
            }
        }
    }

    /** SHA-256 of every message a client sent, by id. */
    private final Map<Integer, String> sent = new ConcurrentHashMap<>();
    /** The final reply of every finished transaction, by id. */
    private final Map<Integer, String> outcomes = new ConcurrentHashMap<>();
    private final AtomicInteger acks = new AtomicInteger();
    private final AtomicInteger temporaryFailures = new AtomicInteger();
    private final AtomicInteger nextId = new AtomicInteger();
    private final List<Throwable> senderFailures = new CopyOnWriteArrayList<>();
    private final AtomicBoolean sending = new AtomicBoolean(true);

    @Test
    void temporaryFailuresWhileABackendIsKilledAndEveryAcceptedMessageStoredOnce() throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        try {
            for (int i = 0; i < SENDERS; i++) {
                senders.execute(this::sendLoop);
            }
            awaitAcks(20);
            // The driver's request metrics are exported with the server's own.
            assertThat(server.get("/metrics").body()).contains("yubin_cassandra_requests_seconds_count{outcome=\"success\"");

            cassandra.kill();
            awaitTemporaryFailures(SENDERS);
            assertThat(server.ready()).as("ready while Cassandra is away").isFalse();
            assertThat(server.get("/api/v1/domains").statusCode()).isEqualTo(503);
            try (LineClient imap = server.tls(server.imapTlsPort())) {
                imap.line();
                imap.send("a LOGIN alice@example.test \"a long secret phrase\"");
                assertThat(imap.line()).startsWith("a NO [UNAVAILABLE]");
            }
            try (LineClient pop3 = server.tls(server.pop3TlsPort())) {
                pop3.line();
                pop3.pop3("USER alice@example.test");
                assertThat(pop3.pop3("PASS a long secret phrase")).startsWith("-ERR [SYS/TEMP]");
            }
            cassandra.start();
            await().atMost(PHASE).pollInterval(Duration.ofMillis(250)).until(server::ready);
            awaitAcks(20);

            s3.kill();
            awaitTemporaryFailures(SENDERS);
            s3.start();
            awaitAcks(20);
        } finally {
            sending.set(false);
            senders.shutdown();
            assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).as("senders stopped").isTrue();
        }
        assertThat(senderFailures).as("connections dropped or unexpected replies").isEmpty();
        assertThat(outcomes.values()).allSatisfy(reply -> assertThat(reply).matches("(250 |451 4\\.3\\.0).*"));

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> server.get("/api/v1/queue").body().contains("\"entries\":[]"));
        Map<Integer, Integer> copies = inboxCopies();
        for (Map.Entry<Integer, String> outcome : outcomes.entrySet()) {
            int id = outcome.getKey();
            if (outcome.getValue().startsWith("250 ")) {
                assertThat(copies.get(id)).as("copies of acknowledged message %d", id).isEqualTo(1);
            } else {
                // A 451 promises nothing: a write the dying node had taken may still have been applied
                // (an outcome the server cannot know), but never twice.
                assertThat(copies.getOrDefault(id, 0)).as("copies of refused message %d", id).isLessThanOrEqualTo(1);
            }
        }
    }

    private void awaitAcks(int more) {
        int target = acks.get() + more;
        await().atMost(PHASE).pollInterval(Duration.ofMillis(50))
                .until(() -> acks.get() >= target || !senderFailures.isEmpty());
        assertThat(senderFailures).isEmpty();
    }

    private void awaitTemporaryFailures(int more) {
        int target = temporaryFailures.get() + more;
        await().atMost(PHASE).pollInterval(Duration.ofMillis(50))
                .until(() -> temporaryFailures.get() >= target || !senderFailures.isEmpty());
        assertThat(senderFailures).isEmpty();
    }

    /** One connection, transactions back to back; any dropped connection or unexpected reply fails the test. */
    private void sendLoop() {
        try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.mxPort()))) {
            expect(smtp.line(), "220");
            expect(smtp.smtp("EHLO client.test"), "250");
            while (sending.get()) {
                transaction(smtp);
            }
        } catch (IOException | RuntimeException | AssertionError e) {
            senderFailures.add(e);
        }
    }

    private void transaction(LineClient smtp) throws IOException {
        Random random = ThreadLocalRandom.current();
        int id = nextId.incrementAndGet();
        int size = random.nextInt(4) == 0 ? 80 * 1024 + random.nextInt(320 * 1024) : 200 + random.nextInt(8 * 1024);
        byte[] message = CrashHarness.message(id, List.of(ALICE.toString()), size, random.nextLong());
        String text = new String(message, StandardCharsets.US_ASCII).replaceFirst("X-Crash-Id", "X-Fault-Id");
        message = text.getBytes(StandardCharsets.US_ASCII);
        sent.put(id, CrashHarness.sha256(message, 0, message.length));
        String reply = smtp.smtp("MAIL FROM:<bob@remote.test>");
        if (reply.startsWith("250")) {
            reply = smtp.smtp("RCPT TO:<alice@example.test>");
        }
        if (reply.startsWith("250")) {
            reply = smtp.smtp("DATA");
            if (reply.startsWith("354")) {
                byte[] stuffed = CrashHarness.dotStuffed(message);
                smtp.write(stuffed, 0, stuffed.length);
                reply = smtp.smtp(".");
            }
        }
        if (reply.startsWith("250 ")) {
            outcomes.put(id, reply);
            acks.incrementAndGet();
            return;
        }
        if (!reply.startsWith("4")) {
            throw new AssertionError("message " + id + ": " + reply);
        }
        outcomes.put(id, reply);
        temporaryFailures.incrementAndGet();
        expect(smtp.smtp("RSET"), "250");
    }

    private static void expect(String reply, String code) throws IOException {
        if (!reply.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + reply);
        }
    }

    /** Copies of each message in alice's INBOX, read from Cassandra and S3 directly; checks every body's SHA-256. */
    private Map<Integer, Integer> inboxCopies() throws Exception {
        try (Storage storage = ClusterStorage.open(cassandra, s3, "fault")) {
            var inbox = storage.mailboxes().find(ALICE, MailboxPath.INBOX).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).orElseThrow();
            Map<Integer, Integer> copies = new HashMap<>();
            for (MessageRecord m : storage.mailboxes().messages(inbox.id(), UidSet.ALL).toCompletableFuture()
                    .get(30, TimeUnit.SECONDS)) {
                try (InputStream in = storage.blobs().get(m.blob().id()).toCompletableFuture().get(30, TimeUnit.SECONDS)) {
                    byte[] stored = in.readAllBytes();
                    Matcher matcher = FAULT_ID.matcher(new String(stored, StandardCharsets.ISO_8859_1));
                    assertThat(matcher.find()).as("message %d has an X-Fault-Id", m.uid()).isTrue();
                    int id = Integer.parseInt(matcher.group(1));
                    int from = matcher.start() + 2;
                    assertThat(CrashHarness.sha256(stored, from, stored.length - from))
                            .as("SHA-256 of message %d", id).isEqualTo(sent.get(id));
                    copies.merge(id, 1, Integer::sum);
                }
            }
            return copies;
        }
    }
}
