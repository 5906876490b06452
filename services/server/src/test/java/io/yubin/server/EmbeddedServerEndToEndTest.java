package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.server.cli.PasswordInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code yubin serve} as a separate process on a fresh data directory, managed with the CLI,
 * stopped with SIGTERM and started again on the same data.
 */
class EmbeddedServerEndToEndTest {

    /** What the command line printed and returned. */
    record Result(int exit, String out, String err) {
    }

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process server;
    private Path log;
    private int port;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void startServer(String logName) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "--add-modules", "java.se",
                "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                Yubin.class.getName(), "serve"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        log = logDir.resolve(logName);
        builder.redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("YUBIN_"));
        builder.environment().put("YUBIN_DATA_DIR", dataDir.toString());
        builder.environment().put("YUBIN_ADMIN_HOST", "127.0.0.1");
        builder.environment().put("YUBIN_ADMIN_PORT", String.valueOf(port));
        builder.environment().put("YUBIN_TLS_HOSTNAME", "mail.example.test");
        builder.environment().put("YUBIN_CLUSTER_NAME", "e2e-" + ProcessHandle.current().pid());
        server = builder.start();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
            assertThat(server.isAlive()).as("server exited early:%n%s", serverLog()).isTrue();
            return ready();
        });
    }

    private boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private int stopServerWithSigterm() throws InterruptedException {
        server.destroy();
        assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
        return server.exitValue();
    }

    private String serverLog() throws IOException {
        return Files.readString(log);
    }

    private String token() throws IOException {
        return AdminToken.read(dataDir.resolve("admin-token"));
    }

    private Result yubin(String stdin, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Yubin.commandLine(new PasswordInput(() -> null,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + port, "--token", token()));
        return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheAdminApiToTheCliAndKeepsEverythingAcrossARestart() throws Exception {
        port = freePort();
        startServer("first.log");
        String token = token();
        byte[] certificate = Files.readAllBytes(dataDir.resolve("tls/cert.pem"));

        assertThat(yubin("", "domain", "add", "example.test").exit()).isZero();
        assertThat(yubin("correct horse battery staple\n", "user", "add", "alice@example.test").exit()).isZero();
        assertThat(yubin("", "alias", "add", "postmaster@example.test", "alice@example.test").exit()).isZero();
        Result appPassword = yubin("", "app-password", "add", "alice@example.test", "--label", "phone");
        assertThat(appPassword.exit()).isZero();

        assertThat(yubin("", "domain", "list").out()).isEqualTo("example.test\n");
        assertThat(yubin("", "user", "list").out()).startsWith("alice@example.test\t").hasLineCount(1);
        assertThat(yubin("", "alias", "list", "--domain", "example.test").out())
                .isEqualTo("postmaster@example.test\talice@example.test\n");
        assertThat(yubin("", "app-password", "list", "alice@example.test").out()).contains("\tphone\t").hasLineCount(1);

        Result invalid = yubin("correct horse battery staple\n", "user", "add", "not-an-address");
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err()).startsWith("yubin: error: ").hasLineCount(1);
        Result weak = yubin("short\n", "user", "add", "bob@example.test");
        assertThat(weak.exit()).isEqualTo(1);
        assertThat(weak.err()).startsWith("yubin: error: ").containsIgnoringCase("password").hasLineCount(1);
        Result duplicate = yubin("another good password\n", "user", "add", "alice@example.test");
        assertThat(duplicate.exit()).isEqualTo(1);
        assertThat(duplicate.err()).startsWith("yubin: error: ").contains("alice@example.test").hasLineCount(1);
        Result unknownDomain = yubin("", "domain", "remove", "nowhere.test");
        assertThat(unknownDomain.exit()).isEqualTo(1);
        assertThat(unknownDomain.err()).startsWith("yubin: error: ").hasLineCount(1);

        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory").contains("vertx_http_server");

        assertThat(stopServerWithSigterm()).isEqualTo(143);
        assertThat(serverLog()).contains("Yubin stopped").doesNotContain("Could not stop");

        startServer("second.log");

        assertThat(token()).isEqualTo(token);
        assertThat(Files.readAllBytes(dataDir.resolve("tls/cert.pem"))).isEqualTo(certificate);
        assertThat(serverLog()).doesNotContain("Generated");
        assertThat(yubin("", "domain", "list").out()).isEqualTo("example.test\n");
        assertThat(yubin("", "user", "list").out()).startsWith("alice@example.test\t");
        assertThat(yubin("", "alias", "list").out()).isEqualTo("postmaster@example.test\talice@example.test\n");
        assertThat(yubin("", "app-password", "list", "alice@example.test").out()).contains("\tphone\t");
    }

    @Test
    void refusesToStartOnAnUnknownVariableAndNamesIt() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Yubin.class.getName(), "serve");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("YUBIN_"));
        builder.environment().put("YUBIN_DATA_DIR", dataDir.toString());
        builder.environment().put("YUBIN_SMTP_MXPORT", "25");
        server = builder.start();

        assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(server.exitValue()).isEqualTo(1);
        assertThat(new String(server.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("yubin: error: unknown environment variable YUBIN_SMTP_MXPORT: it matches no configuration "
                        + "key (see the keys in defaults.yaml)\n");
    }
}
