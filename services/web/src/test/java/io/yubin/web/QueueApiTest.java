package io.yubin.web;

import static io.yubin.web.AdminServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoredBlob;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The queue API ({@code /api/v1/queue}, list, show, retry, delete) over a real embedded spool. */
class QueueApiTest {

    private static final Instant RECEIVED = Instant.parse("2026-03-01T10:15:30.123Z");
    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final MailAddress FRIEND = MailAddress.parse("friend@remote.test");

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dataDir;

    private AdminServerHarness api;

    @BeforeEach
    void start() throws Exception {
        api = new AdminServerHarness(dataDir, List.of());
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
    }

    private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private SpoolId accept(MailAddress sender, MailAddress... recipients) throws Exception {
        StoredBlob blob = await(api.storage.blobs().put(
                new ByteArrayInputStream("Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII))));
        SpoolId id = SpoolId.next();
        await(api.storage.spool().accept(SpoolEntry.queued(id, Envelope.of(sender, List.of(recipients)), blob,
                RECEIVED, new SpoolEntry.ClientInfo("client.test", "192.0.2.1", "alice@example.test"))));
        return id;
    }

    private static List<String> ids(HttpResponse<String> response) {
        return json(response).getJsonArray("entries").stream().map(e -> ((JsonObject) e).getString("id")).toList();
    }

    @Test
    void listsUnfinishedEntriesWithTheStateOfEachRecipient() throws Exception {
        SpoolId id = accept(ALICE, ALICE, FRIEND);
        Instant next = Instant.parse("2026-03-01T11:15:30Z");
        await(api.storage.spool().update(id, FRIEND, new RecipientState(FRIEND, DeliveryStatus.DEFERRED, 1, next,
                "queued for remote delivery, which this version does not perform yet")));
        await(api.storage.spool().update(id, ALICE, new RecipientState(ALICE, DeliveryStatus.DELIVERED, 1, null,
                "250 2.0.0 delivered to INBOX")));

        HttpResponse<String> response = api.get("/api/v1/queue");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(new JsonObject().put("entries", new JsonArray().add(new JsonObject()
                .put("id", id.value())
                .put("sender", "alice@example.test")
                .put("receivedAt", "2026-03-01T10:15:30.123Z")
                .put("size", 22L)
                .put("recipients", new JsonArray()
                        .add(new JsonObject().put("address", "alice@example.test").put("status", "DELIVERED")
                                .put("attempts", 1).putNull("nextAttempt")
                                .put("lastResult", "250 2.0.0 delivered to INBOX"))
                        .add(new JsonObject().put("address", "friend@remote.test").put("status", "DEFERRED")
                                .put("attempts", 1).put("nextAttempt", "2026-03-01T11:15:30Z")
                                .put("lastResult",
                                        "queued for remote delivery, which this version does not perform yet"))))));
    }

    @Test
    void showsANullReversePathAsAnEmptySenderAndAQueuedRecipientWithoutResult() throws Exception {
        accept(null, ALICE);

        JsonObject entry = json(api.get("/api/v1/queue")).getJsonArray("entries").getJsonObject(0);

        assertThat(entry.getString("sender")).isEmpty();
        assertThat(entry.getJsonArray("recipients").getJsonObject(0))
                .isEqualTo(new JsonObject().put("address", "alice@example.test").put("status", "QUEUED")
                        .put("attempts", 0).putNull("nextAttempt").putNull("lastResult"));
    }

    @Test
    void leavesOutFinishedEntries() throws Exception {
        SpoolId done = accept(ALICE, ALICE);
        SpoolId open = accept(ALICE, ALICE);
        await(api.storage.spool().update(done, ALICE, new RecipientState(ALICE, DeliveryStatus.FAILED, 1, null,
                "550 5.1.1 no such user")));

        assertThat(ids(api.get("/api/v1/queue"))).containsExactly(open.value());
    }

    @Test
    void pagesWithAfterAndLimit() throws Exception {
        SpoolId first = accept(ALICE, ALICE);
        SpoolId second = accept(ALICE, ALICE);
        SpoolId third = accept(ALICE, ALICE);

        assertThat(ids(api.get("/api/v1/queue"))).containsExactly(first.value(), second.value(), third.value());
        assertThat(ids(api.get("/api/v1/queue?limit=2"))).containsExactly(first.value(), second.value());
        assertThat(ids(api.get("/api/v1/queue?after=" + second.value() + "&limit=2")))
                .containsExactly(third.value());
    }

    @Test
    void refusesALimitOutsideOneToAThousandNamingTheField() throws Exception {
        for (String limit : List.of("0", "1001", "ten", "")) {
            HttpResponse<String> response = api.get("/api/v1/queue?limit=" + limit);

            assertThat(response.statusCode()).as("limit=%s", limit).isEqualTo(400);
            assertThat(json(response).getString("field")).isEqualTo("limit");
        }
    }

    @Test
    void needsTheBearerToken() throws Exception {
        accept(ALICE, ALICE);

        HttpResponse<String> response = api.send("GET", "/api/v1/queue", null, null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).doesNotContain("alice");
    }

    @Test
    void isReadOnly() throws Exception {
        assertThat(api.post("/api/v1/queue", "{}").statusCode()).isEqualTo(405);
        assertThat(api.delete("/api/v1/queue").statusCode()).isEqualTo(405);
    }

    @Test
    void showsOneEntryWithItsEnvelopeParametersAndClient() throws Exception {
        SpoolId id = accept(ALICE, ALICE, FRIEND);

        HttpResponse<String> response = api.get("/api/v1/queue/" + id.value());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonObject entry = json(response);
        assertThat(entry.getString("id")).isEqualTo(id.value());
        assertThat(entry.getString("sender")).isEqualTo("alice@example.test");
        assertThat(entry.getJsonObject("client")).isEqualTo(new JsonObject().put("helo", "client.test")
                .put("address", "192.0.2.1").put("authenticatedUser", "alice@example.test"));
        assertThat(entry.getJsonArray("recipients")).hasSize(2);
        assertThat(entry.getJsonArray("recipients").getJsonObject(1).getString("address"))
                .isEqualTo("friend@remote.test");
        assertThat(entry.getJsonArray("recipients").getJsonObject(1).getString("status")).isEqualTo("QUEUED");
        assertThat(entry.getJsonArray("recipients").getJsonObject(1).getBoolean("delayReported")).isFalse();

        await(api.storage.spool().update(id, FRIEND, new RecipientState(FRIEND, DeliveryStatus.DEFERRED, 3,
                Instant.now().plusSeconds(600), "451 4.4.1 no answer").withDelayReported()));
        assertThat(json(api.get("/api/v1/queue/" + id.value())).getJsonArray("recipients").getJsonObject(1)
                .getBoolean("delayReported")).isTrue();
    }

    @Test
    void retryMakesEveryDeferredRecipientDueNowAndLeavesTheOthers() throws Exception {
        SpoolId id = accept(ALICE, ALICE, FRIEND);
        Instant later = Instant.now().plusSeconds(3600);
        await(api.storage.spool().update(id, FRIEND, new RecipientState(FRIEND, DeliveryStatus.DEFERRED, 2, later,
                "451 4.4.1 no answer")));
        await(api.storage.spool().update(id, ALICE, new RecipientState(ALICE, DeliveryStatus.DELIVERED, 1, null,
                "250 2.0.0 delivered to INBOX")));
        Instant before = Instant.now();

        HttpResponse<String> response = api.post("/api/v1/queue/" + id.value() + "/retry", "");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).getJsonArray("retried")).containsExactly("friend@remote.test");
        List<RecipientState> states = await(api.storage.spool().find(id)).orElseThrow().recipients();
        assertThat(states.get(1).status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(states.get(1).attempts()).isEqualTo(2);
        assertThat(states.get(1).lastResult()).isEqualTo("451 4.4.1 no answer");
        assertThat(states.get(1).nextAttempt()).isBetween(before.minusSeconds(1), Instant.now());
        assertThat(states.get(0).status()).isEqualTo(DeliveryStatus.DELIVERED);
    }

    @Test
    void deleteRemovesTheEntry() throws Exception {
        SpoolId id = accept(ALICE, FRIEND);

        assertThat(api.delete("/api/v1/queue/" + id.value()).statusCode()).isEqualTo(204);

        assertThat(await(api.storage.spool().find(id))).isEmpty();
        assertThat(ids(api.get("/api/v1/queue"))).isEmpty();
    }

    @Test
    void anUnknownIdIsNotFoundWithAClearErrorForShowRetryAndDelete() throws Exception {
        String unknown = SpoolId.next().value();
        List<HttpResponse<String>> responses = List.of(api.get("/api/v1/queue/" + unknown),
                api.post("/api/v1/queue/" + unknown + "/retry", ""), api.delete("/api/v1/queue/" + unknown));

        for (HttpResponse<String> response : responses) {
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(json(response).getString("error")).isEqualTo("no queue entry " + unknown
                    + " (delivered and failed messages leave the queue)");
            assertThat(json(response).getString("field")).isEqualTo("id");
        }
    }
}
