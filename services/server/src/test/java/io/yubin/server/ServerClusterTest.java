package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.s3proxy.S3Endpoint;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code yubin serve} processes as one cluster (issue 16 items 1 and 3) on one Cassandra and
 * one S3, joined by a static member list: mail accepted by one member is delivered by both, each
 * message exactly once. Killing and stopping members under load is {@link ClusterFaultTest}'s part.
 */
@ExtendWith(SharedBackends.class)
class ServerClusterTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final Pattern CLUSTER_ID = Pattern.compile("\r\nX-Cluster-Id: (\\d+)\r\n");
    private static final Pattern DELIVERED = Pattern.compile(
            "(?m)^yubin_delivery_recipients_total\\{[^}]*status=\"delivered\"[^}]*} ([0-9.E]+)$");
    private static final int MESSAGES = 80;

    @TempDir
    static Path home;

    private static CassandraNode cassandra;
    private static S3Endpoint s3;
    private static ServerProcess first;
    private static ServerProcess second;

    @BeforeAll
    static void start() throws Exception {
        cassandra = SharedBackends.cassandra();
        s3 = SharedBackends.s3();
        Path logs = Files.createDirectories(Path.of("target", "server-cluster"));
        int firstPort = ServerProcess.freePort();
        int secondPort = ServerProcess.freePort();
        String members = "127.0.0.1:" + firstPort + ",127.0.0.1:" + secondPort;
        String name = "server-cluster-" + ProcessHandle.current().pid();
        first = member(home.resolve("first"), logs, name, firstPort, members);
        second = member(home.resolve("second"), logs, name, secondPort, members);
        first.start("first.log");
        second.start("second.log");
        first.post("/api/v1/domains", "{\"name\":\"example.test\"}");
        first.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"a long secret phrase\"}");
    }

    private static ServerProcess member(Path dataDir, Path logs, String name, int port, String members)
            throws IOException {
        return ClusterStorage.configure(new ServerProcess(dataDir, logs), cassandra, s3, "cluster")
                .environment("YUBIN_CLUSTER_ENABLED", "true")
                .environment("YUBIN_CLUSTER_NAME", name)
                .environment("YUBIN_CLUSTER_BIND_ADDRESS", "127.0.0.1")
                .environment("YUBIN_CLUSTER_PORT", String.valueOf(port))
                .environment("YUBIN_CLUSTER_MEMBERS", members)
                .environment("YUBIN_DELIVERY_LEASE_TTL_SECONDS", "3")
                .environment("YUBIN_DELIVERY_SWEEP_INTERVAL_SECONDS", "1")
                .environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024")
                .environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {second, first}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the next still closes
            }
        }
    }

    @Test
    void mailAcceptedByOneMemberIsDeliveredByBothMembersEachMessageOnce() throws Exception {
        send(first, 1, MESSAGES);

        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> inboxCopies().size() == MESSAGES);

        Map<Integer, Integer> copies = inboxCopies();
        assertThat(copies).hasSize(MESSAGES);
        assertThat(copies.values()).containsOnly(1);
        double byFirst = delivered(first);
        double bySecond = delivered(second);
        assertThat(byFirst + bySecond).isEqualTo(MESSAGES);
        // Accepted by the first member only, yet the second delivered part of it.
        assertThat(bySecond).isPositive();
        assertThat(first.get("/metrics").body()).contains("yubin_delivery_queue_size");
    }

    /** Sends {@code count} messages to {@code member}. */
    private static void send(ServerProcess member, int from, int count) throws IOException {
        try (LineClient smtp = new LineClient(new Socket("127.0.0.1", member.mxPort()))) {
            expect(smtp.line(), "220");
            expect(smtp.smtp("EHLO client.test"), "250");
            for (int id = from; id < from + count; id++) {
                expect(smtp.smtp("MAIL FROM:<bob@remote.test>"), "250");
                expect(smtp.smtp("RCPT TO:<alice@example.test>"), "250");
                expect(smtp.smtp("DATA"), "354");
                byte[] message = ("From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: " + id
                        + "\r\nX-Cluster-Id: " + id + "\r\n\r\nbody " + id + "\r\n").getBytes(StandardCharsets.US_ASCII);
                smtp.write(message, 0, message.length);
                expect(smtp.smtp("."), "250");
            }
            expect(smtp.smtp("QUIT"), "221");
        }
    }

    private static double delivered(ServerProcess member) throws Exception {
        Matcher m = DELIVERED.matcher(member.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static void expect(String reply, String code) throws IOException {
        if (!reply.startsWith(code)) {
            throw new IOException("expected " + code + ", got " + reply);
        }
    }

    /** Copies of each message in alice's INBOX by X-Cluster-Id, read from Cassandra and S3 directly. */
    private static Map<Integer, Integer> inboxCopies() throws Exception {
        try (Storage storage = ClusterStorage.open(cassandra, s3, "cluster")) {
            var inbox = storage.mailboxes().find(ALICE, MailboxPath.INBOX).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            Map<Integer, Integer> copies = new HashMap<>();
            if (inbox.isEmpty()) {
                return copies;
            }
            List<MessageRecord> messages = storage.mailboxes().messages(inbox.get().id(), UidSet.ALL)
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (MessageRecord m : messages) {
                try (InputStream in = storage.blobs().get(m.blob().id()).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS)) {
                    Matcher matcher = CLUSTER_ID.matcher(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                    assertThat(matcher.find()).as("message %d has an X-Cluster-Id", m.uid()).isTrue();
                    copies.merge(Integer.parseInt(matcher.group(1)), 1, Integer::sum);
                }
            }
            return copies;
        }
    }
}
