package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.server.cli.PasswordInput;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private ServerProcess server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private String token() throws IOException {
        return server.token();
    }

    private Result yubin(String stdin, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Yubin.commandLine(new PasswordInput(() -> null,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + server.adminPort(), "--token", token()));
        return new Result(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    /** The domain's first user took postmaster and abuse (RFC 5321 §4.5.1, RFC 2142); info was added. */
    private static final String ALIASES = "abuse@example.test\talice@example.test\ninfo@example.test\talice@example.test\n"
            + "postmaster@example.test\talice@example.test\n";

    @Test
    void servesTheAdminApiToTheCliAndKeepsEverythingAcrossARestart() throws Exception {
        server = new ServerProcess(dataDir, logDir);
        server.start("first.log");
        String token = token();
        byte[] certificate = Files.readAllBytes(dataDir.resolve("tls/cert.pem"));

        assertThat(yubin("", "domain", "add", "example.test").exit()).isZero();
        Result alice = yubin("correct horse battery staple\n", "user", "add", "alice@example.test");
        assertThat(alice.exit()).isZero();
        assertThat(alice.out()).contains("abuse@example.test and postmaster@example.test now go to alice@example.test");
        assertThat(yubin("", "alias", "add", "info@example.test", "alice@example.test").exit()).isZero();
        Result appPassword = yubin("", "app-password", "add", "alice@example.test", "--label", "phone");
        assertThat(appPassword.exit()).isZero();

        assertThat(yubin("", "domain", "list").out()).isEqualTo("example.test\n");
        assertThat(yubin("", "user", "list").out()).startsWith("alice@example.test\t").hasLineCount(1);
        assertThat(yubin("", "alias", "list", "--domain", "example.test").out()).isEqualTo(ALIASES);
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

        HttpResponse<String> metrics = server.get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory").contains("vertx_http_server");

        assertThat(server.terminate()).isEqualTo(0);
        assertThat(server.log()).contains("Yubin stopped").doesNotContain("Could not stop");

        server.start("second.log");

        assertThat(token()).isEqualTo(token);
        assertThat(Files.readAllBytes(dataDir.resolve("tls/cert.pem"))).isEqualTo(certificate);
        assertThat(server.log()).doesNotContain("Generated");
        assertThat(yubin("", "domain", "list").out()).isEqualTo("example.test\n");
        assertThat(yubin("", "user", "list").out()).startsWith("alice@example.test\t");
        assertThat(yubin("", "alias", "list").out()).isEqualTo(ALIASES);
        assertThat(yubin("", "app-password", "list", "alice@example.test").out()).contains("\tphone\t");
    }

    @Test
    void refusesToStartOnAPortInUseAndNamesThePortAndItsSetting() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Yubin.class.getName(), "serve");
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().keySet().removeIf(name -> name.startsWith("YUBIN_"));
            builder.environment().put("YUBIN_DATA_DIR", dataDir.toString());
            builder.environment().put("YUBIN_CLUSTER_NAME", "port-in-use-" + ProcessHandle.current().pid());
            for (String port : List.of("SMTP_MX", "SMTP_SUBMISSION", "SMTP_SUBMISSIONS", "IMAP", "IMAP_TLS", "POP3",
                    "POP3_TLS")) {
                builder.environment().put("YUBIN_" + port + "_PORT", String.valueOf(ServerProcess.freePort()));
            }
            builder.environment().put("YUBIN_ADMIN_PORT", String.valueOf(taken.getLocalPort()));
            builder.redirectOutput(logDir.resolve("port-in-use.log").toFile());
            Process process = builder.start();

            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            // "Address already in use" alone would not say which of ten ports.
            assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("yubin: error: cannot start: cannot listen on 127.0.0.1 port " + taken.getLocalPort()
                            + " (admin.port): ");
        }
    }

    @Test
    void refusesToStartOnAnUnknownVariableAndNamesIt() throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Yubin.class.getName(), "serve");
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("YUBIN_"));
        builder.environment().put("YUBIN_DATA_DIR", dataDir.toString());
        builder.environment().put("YUBIN_SMTP_MXPORT", "25");
        Process process = builder.start();

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("yubin: error: unknown environment variable YUBIN_SMTP_MXPORT: it matches no configuration "
                        + "key (see the keys in defaults.yaml)\n");
    }
}
