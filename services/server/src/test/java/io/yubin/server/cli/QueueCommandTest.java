package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.server.AdminToken;
import io.yubin.server.EmbeddedServer;
import io.yubin.server.TestServerConfig;
import io.yubin.server.Yubin;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code yubin queue list|show|retry|delete} against the embedded server's real admin API and
 * spool (SQLite here, Cassandra in {@link CassandraQueueCommandTest}): a remote recipient whose server refuses connections is deferred, shown, retried (a second
 * attempt is made long before the retry schedule would), and deleted.
 */
class QueueCommandTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");

    @TempDir
    Path dataDir;

    private EmbeddedServer server;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            closedPort = probe.getLocalPort();
        }
        Map<String, String> environment = new java.util.HashMap<>(storageSettings());
        environment.putAll(Map.ofEntries(
                Map.entry("YUBIN_TLS_HOSTNAME", "mail.example.test"),
                Map.entry("YUBIN_DELIVERY_WORKERS", "2"),
                Map.entry("YUBIN_DELIVERY_SWEEP_INTERVAL_SECONDS", "1"),
                // Nothing listens there: every attempt is deferred, the next one an hour later.
                Map.entry("YUBIN_DELIVERY_REMOTE_PORT", String.valueOf(closedPort)),
                Map.entry("YUBIN_DELIVERY_RETRY_FIRST_SECONDS", "3600")));
        server = EmbeddedServer.start(TestServerConfig.load(dataDir, "queue-cli", environment));
        await(server.accounts().addDomain(Domain.parse("example.test")));
    }

    /** The storage backend's settings; none for the embedded one (SQLite and files). */
    protected Map<String, String> storageSettings() {
        return Map.of();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void listsShowsRetriesAndDeletesAQueuedMessage() throws Exception {
        SpoolId id = acceptRemote();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> state(id).attempts() == 1);

        assertThat(run("queue", "list")).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(1);
        String[] columns = lines.get(0).split("\t");
        assertThat(columns).hasSize(8);
        assertThat(columns[0]).isEqualTo(id.value());
        assertThat(columns[2]).isEqualTo("alice@example.test");
        assertThat(columns[3]).isEqualTo("friend@[127.0.0.2]");
        assertThat(columns[4]).isEqualTo("DEFERRED");
        assertThat(columns[5]).isEqualTo("1");
        assertThat(Instant.parse(columns[6])).isAfter(Instant.now().plusSeconds(3000));
        assertThat(columns[7]).startsWith("451 4.4.");

        assertThat(run("queue", "show", id.value())).isZero();
        assertThat(out.toString()).contains("id:         " + id.value(), "sender:     alice@example.test",
                "as alice@example.test", "recipient:  friend@[127.0.0.2]", "status:     DEFERRED, 1 attempt, next ",
                "last reply: 451 4.4.");

        assertThat(run("queue", "retry", id.value())).isZero();
        assertThat(out.toString()).isEqualTo("retrying " + id.value() + " for friend@[127.0.0.2]\n");
        // The sweep offers it at once: a second attempt, an hour before the schedule's.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> state(id).attempts() == 2);

        assertThat(run("queue", "delete", id.value())).isZero();
        assertThat(out.toString()).isEqualTo("deleted " + id.value() + "\n");
        assertThat(await(server.storage().spool().find(id))).isEmpty();
        assertThat(run("queue", "list")).isZero();
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void anUnknownIdIsOneClearErrorLineAndStatusOne() throws Exception {
        for (String command : List.of("show", "retry", "delete")) {
            assertThat(run("queue", command, "no-such-id")).as(command).isEqualTo(CliException.FAILED);
            assertThat(err.toString()).as(command).isEqualTo("yubin: error: no queue entry no-such-id"
                    + " (delivered and failed messages leave the queue)\n");
        }
    }

    /** What SMTP submission does on DATA: a message from alice to a remote address literal (no DNS). */
    private SpoolId acceptRemote() throws Exception {
        StoredBlob blob = await(server.storage().blobs().put(new ByteArrayInputStream(
                "From: alice@example.test\r\nSubject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII))));
        SpoolId id = SpoolId.next();
        await(server.storage().spool().accept(SpoolEntry.queued(id,
                Envelope.of(ALICE, List.of(MailAddress.parse("friend@[127.0.0.2]"))), blob, Instant.now(),
                new SpoolEntry.ClientInfo("client.test", "127.0.0.1", ALICE.toString()))));
        await(server.deliveryQueue().offer(id));
        return id;
    }

    private RecipientState state(SpoolId id) throws Exception {
        return await(server.storage().spool().find(id)).orElseThrow().recipients().get(0);
    }

    private int run(String... args) throws Exception {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cli = Yubin.commandLine(new PasswordInput(() -> null, new ByteArrayInputStream(new byte[0])));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = "http://127.0.0.1:" + server.adminPort();
        all[args.length + 2] = "--token";
        all[args.length + 3] = AdminToken.read(dataDir.resolve("admin-token"));
        return cli.execute(all);
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
