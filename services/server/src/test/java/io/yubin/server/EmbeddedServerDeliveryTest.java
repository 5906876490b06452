package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.server.config.ConfigLoader;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.QuotaLimits;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code yubin serve}'s wiring in this JVM: what a protocol server puts in the spool and offers to
 * {@link EmbeddedServer#deliveryQueue()} reaches the INBOX, what was never offered is recovered at
 * the next start, and the queue API shows what is left.
 */
class EmbeddedServerDeliveryTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final int CLOSED_PORT = closedPort();

    @TempDir
    Path dataDir;

    private EmbeddedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A port on 127.0.0.2 that was free a moment ago: connections to it are refused. */
    private static int closedPort() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.2"))) {
            return probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private ServerConfig config() {
        return ConfigLoader.load(null, Map.of(
                "YUBIN_DATA_DIR", dataDir.toString(),
                "YUBIN_ADMIN_PORT", "0",
                "YUBIN_TLS_HOSTNAME", "mail.example.test",
                "YUBIN_CLUSTER_NAME", "delivery-wiring-" + ProcessHandle.current().pid(),
                "YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024",
                "YUBIN_PASSWORD_HASH_ITERATIONS", "1",
                "YUBIN_DELIVERY_WORKERS", "2",
                // Nothing listens there: remote delivery is attempted and deferred.
                "YUBIN_DELIVERY_REMOTE_PORT", String.valueOf(CLOSED_PORT),
                "YUBIN_DELIVERY_REMOTE_CONNECT_TIMEOUT_SECONDS", "5"));
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** What SMTP does on DATA: body in the blob store, envelope in the spool. */
    private SpoolId accept(String authenticatedUser, String... recipients) throws Exception {
        StoredBlob blob = await(server.storage().blobs().put(
                new ByteArrayInputStream("Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII))));
        SpoolId id = SpoolId.next();
        List<MailAddress> to = java.util.Arrays.stream(recipients).map(MailAddress::parse).toList();
        await(server.storage().spool().accept(SpoolEntry.queued(id, Envelope.of(ALICE, to), blob, Instant.now(),
                new SpoolEntry.ClientInfo("client.test", "127.0.0.1", authenticatedUser))));
        return id;
    }

    private int inboxSize() throws Exception {
        var inbox = await(server.storage().mailboxes().find(ALICE, MailboxPath.INBOX)).orElseThrow();
        return await(server.storage().mailboxes().messages(inbox.id(), UidSet.ALL)).size();
    }

    @Test
    void deliversOfferedMailRecoversUnofferedMailAfterARestartAndListsWhatIsLeft() throws Exception {
        server = EmbeddedServer.start(config());
        assertThat(server.smtpHostname()).isEqualTo("mail.example.test");
        await(server.accounts().addDomain(Domain.parse("example.test")));
        await(server.accounts().addUser(ALICE, "correct horse battery".toCharArray(), QuotaLimits.NONE));

        SpoolId offered = accept(null, "alice@example.test");
        await(server.deliveryQueue().offer(offered));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> inboxSize() == 1);

        SpoolId unoffered = accept(null, "alice@example.test");
        SpoolId remote = accept("alice@example.test", "friend@[127.0.0.2]");
        server.close();

        server = EmbeddedServer.start(config());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> inboxSize() == 2
                && await(server.storage().spool().find(remote)).orElseThrow().recipients().get(0).attempts() == 1);
        assertThat(await(server.storage().spool().find(unoffered))).isEmpty();

        HttpResponse<String> queue = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.adminPort() + "/api/v1/queue"))
                .header("Authorization", "Bearer " + AdminToken.read(dataDir.resolve("admin-token"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(queue.statusCode()).isEqualTo(200);
        var entries = new JsonObject(queue.body()).getJsonArray("entries");
        assertThat(entries).hasSize(1);
        JsonObject recipient = entries.getJsonObject(0).getJsonArray("recipients").getJsonObject(0);
        assertThat(entries.getJsonObject(0).getString("id")).isEqualTo(remote.value());
        assertThat(recipient.getString("status")).isEqualTo("DEFERRED");
        assertThat(recipient.getString("lastResult")).startsWith("451 4.4.").contains("127.0.0.2");
        assertThat(recipient.getString("nextAttempt")).isNotNull();
    }
}
