package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/architecture.md §4.1 and §4.2 end to end: while clients send mail to {@code yubin serve}, the
 * server is killed with SIGKILL at random moments and started again; every message that got its
 * final 250 must end up in the mailbox exactly once, and no message may appear twice.
 */
class SmtpCrashDurabilityTest {

    private static final int ROUNDS = 4;
    private static final int SENDERS = 4;
    private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID: <(crash-\\d+)@test>");

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private ServerProcess server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyAcknowledgedMessageIsDeliveredExactlyOnceAcrossKills() throws Exception {
        server = new ServerProcess(dataDir, logDir);
        server.start("start.log");
        server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
        server.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"a long secret phrase\"}");

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        for (int i = 0; i < SENDERS; i++) {
            senders.execute(() -> send(server.mxPort(), next, acknowledged, sending));
        }
        for (int round = 1; round <= ROUNDS; round++) {
            int before = acknowledged.size();
            // Kill only once this round has had mail acknowledged, at a random moment after that.
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > before);
            Thread.sleep(ThreadLocalRandom.current().nextLong(100, 1200));
            server.kill();
            server.start("round-" + round + ".log");
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > 0);
        sending.set(false);
        senders.shutdown();
        assertThat(senders.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> server.get("/api/v1/queue").body().contains("\"entries\":[]"));
        assertThat(server.terminate()).isEqualTo(143);

        Map<String, Integer> delivered = deliveredMessageIds();
        assertThat(acknowledged).isNotEmpty();
        assertThat(delivered.keySet()).containsAll(acknowledged);
        assertThat(delivered.values()).allMatch(count -> count == 1);
    }

    /** One client: transactions over one connection, reconnecting while the server is down. */
    private static void send(int port, AtomicInteger next, Set<String> acknowledged, AtomicBoolean sending) {
        while (sending.get()) {
            try (LineClient smtp = new LineClient(new Socket("127.0.0.1", port))) {
                expect(smtp.line(), "220");
                expect(smtp.smtp("EHLO client.test"), "250");
                while (sending.get()) {
                    String id = "crash-" + next.incrementAndGet();
                    expect(smtp.smtp("MAIL FROM:<sender@remote.test>"), "250");
                    expect(smtp.smtp("RCPT TO:<alice@example.test>"), "250");
                    expect(smtp.smtp("DATA"), "354");
                    String reply = smtp.smtp("Subject: " + id + "\r\nMessage-ID: <" + id + "@test>\r\n\r\n"
                            + "body of " + id + "\r\n.");
                    if (reply.startsWith("250")) {
                        acknowledged.add(id);
                    }
                }
            } catch (IOException e) {
                pause();
            }
        }
    }

    private static void expect(String reply, String code) throws IOException {
        if (!reply.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + reply);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Map<String, Integer> deliveredMessageIds() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (Storage storage = EmbeddedStorage.open(dataDir)) {
            MailAddress alice = MailAddress.parse("alice@example.test");
            var inbox = storage.mailboxes().find(alice, MailboxPath.INBOX).toCompletableFuture().join().orElseThrow();
            List<MessageRecord> messages = storage.mailboxes().messages(inbox.id(), UidSet.ALL)
                    .toCompletableFuture().join();
            for (MessageRecord m : messages) {
                try (InputStream body = storage.blobs().get(m.blob().id()).toCompletableFuture().join()) {
                    Matcher matcher = MESSAGE_ID.matcher(new String(body.readAllBytes(), StandardCharsets.UTF_8));
                    if (matcher.find()) {
                        counts.merge(matcher.group(1), 1, Integer::sum);
                    }
                }
            }
        }
        return counts;
    }
}
