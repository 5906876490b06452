package io.yubin.web;

import static io.yubin.web.AdminServerHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health/*} and {@code /metrics}: unauthenticated, for probes and Prometheus. */
class HealthAndMetricsTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dataDir;

    private AdminServerHarness server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aConnectionThatSaysNothingIsClosed() throws Exception {
        server = new AdminServerHarness(dataDir, List.of(), address -> true, java.time.Duration.ofHours(1),
                java.time.Clock.systemUTC(), java.time.Duration.ofMillis(500));
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: lo".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(new io.yubin.web.AdminServer.Options("h", 0, "a-token-of-16-chars").idleTimeout())
                .isEqualTo(java.time.Duration.ofSeconds(120));
    }

    @Test
    void liveIsUp() throws Exception {
        server = new AdminServerHarness(dataDir, List.of(check("store", new CompletableFuture<>())));

        HttpResponse<String> response = server.send("GET", "/health/live", null, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response)).isEqualTo(new JsonObject().put("status", "UP"));
    }

    @Test
    void readyIsUpWhenEveryCheckPasses() throws Exception {
        server = new AdminServerHarness(dataDir, List.of(
                check("store", CompletableFuture.completedFuture(null)),
                check("queue", CompletableFuture.supplyAsync(() -> null))));

        HttpResponse<String> response = server.send("GET", "/health/ready", null, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).getString("status")).isEqualTo("UP");
        assertThat(json(response).getJsonArray("checks")).containsExactly(
                new JsonObject().put("name", "store").put("status", "UP"),
                new JsonObject().put("name", "queue").put("status", "UP"));
    }

    @Test
    void readyIsUnavailableWhenACheckFailsAndSaysWhy() throws Exception {
        server = new AdminServerHarness(dataDir, List.of(
                check("store", CompletableFuture.completedFuture(null)),
                check("queue", CompletableFuture.failedFuture(new IllegalStateException("no cluster members")))));

        HttpResponse<String> response = server.send("GET", "/health/ready", null, null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response).getString("status")).isEqualTo("DOWN");
        assertThat(json(response).getJsonArray("checks")).containsExactly(
                new JsonObject().put("name", "store").put("status", "UP"),
                new JsonObject().put("name", "queue").put("status", "DOWN").put("error", "no cluster members"));
    }

    @Test
    void readyIsUnavailableWhenACheckDoesNotAnswerInTime() throws Exception {
        server = new AdminServerHarness(dataDir, List.of(check("store", new CompletableFuture<>())));
        long start = System.nanoTime();

        HttpResponse<String> response = server.send("GET", "/health/ready", null, null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(AdminServer.READINESS_TIMEOUT.toNanos());
        assertThat(json(response).getJsonArray("checks")).containsExactly(new JsonObject()
                .put("name", "store").put("status", "DOWN").put("error", "no answer within 2000 ms"));
    }

    @Test
    void readyIsUnavailableWhenACheckThrowsInsteadOfReturning() throws Exception {
        ReadinessCheck throwing = new ReadinessCheck() {
            @Override
            public String name() {
                return "store";
            }

            @Override
            public CompletionStage<Void> check() {
                throw new IllegalStateException("store is closed");
            }
        };
        server = new AdminServerHarness(dataDir, List.of(throwing));

        HttpResponse<String> response = server.send("GET", "/health/ready", null, null);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response).getJsonArray("checks").getJsonObject(0).getString("error"))
                .isEqualTo("store is closed");
    }

    @Test
    void metricsExposeJvmAndHttpServerMetricsInPrometheusTextFormat() throws Exception {
        server = new AdminServerHarness(dataDir, List.of());
        assertThat(server.get("/api/v1/domains").statusCode()).isEqualTo(200);

        HttpResponse<String> response = server.send("GET", "/metrics", null, null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(response.body())
                .contains("jvm_memory_used_bytes")
                .contains("jvm_threads_live_threads")
                .contains("process_uptime_seconds")
                .contains("jvm_classes_loaded_classes")
                .containsPattern("(?m)^vertx_http_server_requests_total\\{.*route=\"/api/v1/domains\".*\\} 1\\.0$");
    }

    @Test
    void httpMetricsAreNotLabelledWithRawPathsOrClientAddresses() throws Exception {
        server = new AdminServerHarness(dataDir, List.of());
        assertThat(server.delete("/api/v1/users/someone@example.test").statusCode()).isEqualTo(404);

        String body = server.send("GET", "/metrics", null, null).body();

        assertThat(body).contains("route=\"/api/v1/users/:address\"")
                .doesNotContain("someone@example.test")
                .doesNotContain("remote=");
        // The only address is the listener's own: one time series per configured port.
        assertThat(body.lines().filter(line -> line.contains("127.0.0.1")))
                .isNotEmpty()
                .allMatch(line -> line.contains("local=\"127.0.0.1:" + server.port() + "\""));
    }

    @Test
    void eachServerOfTheProcessCountsItsOwnConnections() throws Exception {
        server = new AdminServerHarness(dataDir, List.of());
        // A second HTTP server in the same Vert.x, as the MTA-STS policy host is beside the admin API.
        io.vertx.core.http.HttpServer other = server.vertx.createHttpServer()
                .requestHandler(request -> request.response().end("other"))
                .listen(0, "127.0.0.1")
                .await(10, java.util.concurrent.TimeUnit.SECONDS);
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", other.actualPort())) {
            String body = until(() -> server.send("GET", "/metrics", null, null).body(),
                    text -> text.contains("local=\"127.0.0.1:" + other.actualPort() + "\""));

            // Before the listener's address was a label, both servers added into one series: 2, whose is whose
            // unknown.
            assertThat(body)
                    .containsPattern("(?m)^vertx_http_server_active_connections\\{local=\"127\\.0\\.0\\.1:"
                            + other.actualPort() + "\",?\\} 1\\.0$")
                    .containsPattern("(?m)^vertx_http_server_active_connections\\{local=\"127\\.0\\.0\\.1:"
                            + server.port() + "\",?\\} 1\\.0$");
        } finally {
            other.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** {@code read} again every 50 ms, for up to 10 s, until {@code done} takes its value. */
    private static String until(java.util.concurrent.Callable<String> read, java.util.function.Predicate<String> done)
            throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        String value = read.call();
        while (!done.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            value = read.call();
        }
        return value;
    }

    private static ReadinessCheck check(String name, CompletionStage<Void> outcome) {
        return new ReadinessCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CompletionStage<Void> check() {
                return outcome;
            }
        };
    }
}
