package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.store.cassandra.CassandraOptions;
import io.yubin.store.cassandra.CassandraStorage;
import io.yubin.store.s3.S3BlobStore;
import io.yubin.store.s3.S3Options;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import io.yubin.testing.s3proxy.S3Endpoint;
import io.yubin.testing.s3proxy.S3Endpoints;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster backends failing under SMTP traffic (issue #7): {@code yubin serve} on Cassandra + S3
 * as its own process; Cassandra, then S3, is stopped while mail arrives. While a backend is away the
 * server answers {@code 451 4.3.0} (never 250, never 5xx) and is not ready; once the backend is back
 * it serves again by itself, and every message that got a 250 is in the INBOX exactly once. The
 * backends are processes, or containers where Docker is ({@link CassandraNodes}, {@link S3Endpoints}).
 */
class ClusterStorageFaultTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final Pattern SUBJECT = Pattern.compile("(?m)^Subject: (fault-\\d+)\r?$");

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
        Path logs = java.nio.file.Files.createDirectories(Path.of("target", "cluster-fault"));
        server = new ServerProcess(home.resolve("data"), logs)
                .environment("YUBIN_STORAGE_BACKEND", "cassandra")
                .environment("YUBIN_STORAGE_CASSANDRA_CONTACT_POINTS", cassandra.host() + ":" + cassandra.nativePort())
                .environment("YUBIN_STORAGE_CASSANDRA_LOCAL_DATACENTER", cassandra.localDatacenter())
                .environment("YUBIN_STORAGE_CASSANDRA_KEYSPACE", "fault")
                .environment("YUBIN_STORAGE_CASSANDRA_REQUEST_TIMEOUT_MS", "2000")
                .environment("YUBIN_STORAGE_BLOBS", "s3")
                .environment("YUBIN_STORAGE_S3_ENDPOINT", s3.endpoint())
                .environment("YUBIN_STORAGE_S3_BUCKET", "fault")
                .environment("YUBIN_STORAGE_S3_ACCESS_KEY", s3.accessKey())
                .environment("YUBIN_STORAGE_S3_SECRET_KEY", s3.secretKey())
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

    /** Replies per message: the final reply of the transaction, or of the first command that failed. */
    private final Map<String, String> outcomes = new TreeMap<>();
    private int next;

    @Test
    void temporaryFailuresWhileABackendIsAwayAndEveryAcceptedMessageDeliveredOnceAfter() throws Exception {
        send(10);
        assertThat(accepted()).hasSize(10);
        // The driver's request metrics are exported with the server's own.
        assertThat(server.get("/metrics").body()).contains("yubin_cassandra_requests_seconds_count{outcome=\"success\"");

        cassandra.kill();
        List<String> whileDown = send(5);
        assertThat(whileDown).allSatisfy(reply -> assertThat(reply).startsWith("451 4.3.0"));
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
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(server::ready);
        send(10);

        s3.stop();
        List<String> withoutS3 = send(5);
        assertThat(withoutS3).allSatisfy(reply -> assertThat(reply).startsWith("451 4.3.0"));

        s3.start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            List<String> replies = send(1);
            return replies.get(0).startsWith("250 ");
        });
        send(10);

        List<String> accepted = accepted();
        assertThat(accepted.size()).isGreaterThanOrEqualTo(31);
        assertThat(outcomes.values()).allSatisfy(reply -> assertThat(reply).matches("(250|451) .*"));
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(inboxSubjects()).containsExactlyInAnyOrderElementsOf(accepted));
    }

    private List<String> accepted() {
        return outcomes.entrySet().stream().filter(e -> e.getValue().startsWith("250 ")).map(Map.Entry::getKey).toList();
    }

    /** Sends {@code count} messages, one connection each; returns their replies in order. */
    private List<String> send(int count) throws IOException {
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String subject = "fault-" + (next++);
            String reply = transaction(subject);
            outcomes.put(subject, reply);
            replies.add(reply);
        }
        return replies;
    }

    private String transaction(String subject) throws IOException {
        try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.mxPort()))) {
            smtp.line();
            smtp.smtp("EHLO client.test");
            for (String command : List.of("MAIL FROM:<bob@remote.test>", "RCPT TO:<alice@example.test>", "DATA")) {
                String reply = smtp.smtp(command);
                if (!reply.startsWith("250 ") && !reply.startsWith("354 ")) {
                    return reply;
                }
            }
            return smtp.smtp("From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: " + subject
                    + "\r\n\r\nbody of " + subject + "\r\n.");
        }
    }

    /** The subjects of every message in alice's INBOX, read from Cassandra and S3 directly. */
    private static List<String> inboxSubjects() throws Exception {
        CassandraOptions options = CassandraOptions.of(cassandra.contactPoint(), cassandra.localDatacenter(), "fault");
        try (Storage storage = CassandraStorage.open(options, S3BlobStore.open(new S3Options(s3.endpoint(),
                s3.region(), "fault", s3.accessKey(), s3.secretKey(), true, false,
                S3Options.DEFAULT_MULTIPART_THRESHOLD, 1)))) {
            var inbox = storage.mailboxes().find(ALICE, MailboxPath.INBOX).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS).orElseThrow();
            List<String> subjects = new ArrayList<>();
            for (MessageRecord m : storage.mailboxes().messages(inbox.id(), UidSet.ALL).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS)) {
                try (InputStream in = storage.blobs().get(m.blob().id()).toCompletableFuture().get(10, TimeUnit.SECONDS)) {
                    Matcher matcher = SUBJECT.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    assertThat(matcher.find()).as("message %d has a Subject", m.uid()).isTrue();
                    subjects.add(matcher.group(1));
                }
            }
            return subjects;
        }
    }
}
