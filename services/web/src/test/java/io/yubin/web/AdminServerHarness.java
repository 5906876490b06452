package io.yubin.web;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.yubin.store.AccountLockout;
import io.yubin.store.Accounts;
import io.yubin.store.AdminAccounts;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real admin server on 127.0.0.1 and a free port, over a real embedded store in a temporary
 * directory, with fast (test-only) Argon2id parameters, and an HTTP client for it.
 */
final class AdminServerHarness implements AutoCloseable {

    static final String TOKEN = "test-token-0123456789abcdef";

    final Metrics metrics;
    final Vertx vertx;
    final Storage storage;
    final Accounts accounts;
    final AdminAccounts admins;
    final AdminServer server;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    AdminServerHarness(Path dataDir, List<ReadinessCheck> checks) throws Exception {
        this(dataDir, checks, address -> true);
    }

    /** With the API open only to the client addresses {@code clientAllowed} takes. */
    AdminServerHarness(Path dataDir, List<ReadinessCheck> checks, java.util.function.Predicate<String> clientAllowed)
            throws Exception {
        this(dataDir, checks, clientAllowed, AdminAccounts.DEFAULT_SESSION_LENGTH, Clock.systemUTC());
    }

    /**
     * With sessions of {@code sessionLength} on {@code clock}; administrators lock after 3 failed
     * logins.
     */
    AdminServerHarness(Path dataDir, List<ReadinessCheck> checks, java.util.function.Predicate<String> clientAllowed,
            Duration sessionLength, Clock clock) throws Exception {
        this(dataDir, checks, clientAllowed, sessionLength, clock, AdminServer.Options.IDLE_TIMEOUT);
    }

    /** As above, closing connections idle for {@code idleTimeout}. */
    AdminServerHarness(Path dataDir, List<ReadinessCheck> checks, java.util.function.Predicate<String> clientAllowed,
            Duration sessionLength, Clock clock, Duration idleTimeout) throws Exception {
        metrics = new Metrics();
        vertx = metrics.vertxBuilder(BlockedThreadWatch.vertxOptions()).build();
        storage = EmbeddedStorage.open(dataDir);
        PasswordHasher hasher = new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1));
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(), hasher,
                PasswordPolicy.DEFAULT);
        admins = new AdminAccounts(storage.administrators(),
                new AccountLockout(storage.accountLocks(), new AccountLockout.Policy(3, Duration.ofMinutes(15),
                        Duration.ofMinutes(15))), hasher, PasswordPolicy.DEFAULT, sessionLength, clock);
        server = AdminServer.start(vertx, new AdminServer.Options("127.0.0.1", 0, TOKEN, clientAllowed, idleTimeout), accounts,
                        admins, storage.spool(), checks, metrics)
                .await(10, TimeUnit.SECONDS);
    }

    HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, TOKEN);
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return send("POST", path, body, TOKEN);
    }

    HttpResponse<String> put(String path, String body) throws Exception {
        return send("PUT", path, body, TOKEN);
    }

    HttpResponse<String> delete(String path) throws Exception {
        return send("DELETE", path, null, TOKEN);
    }

    /** {@code token} null sends no Authorization header. */
    HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A GET with this exact {@code Authorization} header value. */
    HttpResponse<String> sendWithAuthorization(String path, String authorization) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", authorization)
                .GET()
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    int port() {
        return server.actualPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.actualPort() + path);
    }

    static JsonObject json(HttpResponse<String> response) {
        return new JsonObject(response.body());
    }

    @Override
    public void close() throws Exception {
        try {
            server.close().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
        } finally {
            accounts.close();
            admins.close();
            storage.close();
            metrics.close();
        }
    }
}
