package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.QuotaLimits;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The structured log lines (docs/operations.md, "Logs"): one per SMTP transaction and one per login,
 * as key-value pairs that the JSON format turns into fields, with no password in them; the JSON
 * format itself; logger levels changed at run time.
 */
class StructuredLogTest {

    private static final MailAddress DORA = MailAddress.parse("dora@example.test");
    private static final String PASSWORD = "a long secret phrase 42";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void smtpTransactionsAndLoginsAreOneJsonLineEachWithoutPasswords() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(context);
        captured.start();
        Logger transactions = context.getLogger("yubin.smtp.transaction");
        Logger logins = context.getLogger("yubin.login");
        String queued;
        transactions.addAppender(captured);
        logins.addAppender(captured);
        ServerConfig config = TestServerConfig.load(Files.createDirectories(dir.resolve("data")), "log-e2e", Map.of(
                "YUBIN_SMTP_MX_PORT", String.valueOf(ServerProcess.freePort()),
                "YUBIN_SMTP_SUBMISSIONS_PORT", String.valueOf(ServerProcess.freePort()),
                "YUBIN_IMAP_PORT", String.valueOf(ServerProcess.freePort()),
                "YUBIN_IMAP_ALLOW_PLAINTEXT_AUTH", "true",
                "YUBIN_DELIVERY_REMOTE_ENABLED", "false"));
        try (EmbeddedServer server = EmbeddedServer.start(config)) {
            await(server.accounts().addDomain(Domain.parse("example.test")));
            await(server.accounts().addUser(DORA, PASSWORD.toCharArray(), QuotaLimits.NONE));
            try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.config().smtp().mxPort()))) {
                smtp.socket().setSoTimeout(30_000);
                assertThat(smtp.smtpReply()).startsWith("220");
                assertThat(smtp.smtp("EHLO client.example")).startsWith("250");
                assertThat(smtp.smtp("MAIL FROM:<someone@elsewhere.example>")).startsWith("250");
                assertThat(smtp.smtp("RCPT TO:<dora@example.test>")).startsWith("250");
                assertThat(smtp.smtp("DATA")).startsWith("354");
                byte[] message = "Subject: logged\r\n\r\nsecret contents\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
                smtp.write(message, 0, message.length);
                queued = smtp.smtpReply();
                assertThat(queued).startsWith("250");
            }
            new StoredMail(server, DORA).awaitSubject(MailboxPath.INBOX, "logged");
            try (LineClient imap = new LineClient(new Socket("127.0.0.1", server.config().imap().port()))) {
                imap.socket().setSoTimeout(30_000);
                assertThat(imap.line()).startsWith("* OK");
                assertThat(imap.imap("a1 LOGIN dora@example.test \"wrong " + PASSWORD + "\"")).startsWith("a1 NO");
                assertThat(imap.imap("a2 LOGIN dora@example.test \"" + PASSWORD + "\"")).startsWith("a2 OK");
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> captured.list.size() >= 3);
            tlsSessionsAreCountedByListenerAndVersion(server);
            everyMetricOfTheDashboardAndTheAlertsIsExposed(server);
            loggerLevelsChangeThroughTheCli(server);
        } finally {
            transactions.detachAppender(captured);
            logins.detachAppender(captured);
        }

        JsonEncoder encoder = LogSetup.jsonEncoder(context);
        Map<String, List<Map<String, String>>> lines = new HashMap<>();
        for (ILoggingEvent event : List.copyOf(captured.list)) {
            String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
            assertThat(line).doesNotContain(PASSWORD).doesNotContain("secret contents").endsWith("\n");
            assertThat(line.strip()).doesNotContain("\n");
            JsonNode json = JSON.readTree(line);
            Map<String, String> fields = new HashMap<>();
            json.path("kvpList").forEach(kv -> kv.fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText())));
            fields.put("message", json.path("formattedMessage").asText());
            lines.computeIfAbsent(json.path("loggerName").asText(), k -> new java.util.ArrayList<>()).add(fields);
        }
        ILoggingEvent formatted = new ch.qos.logback.classic.spi.LoggingEvent("x", transactions, ch.qos.logback.classic.Level.INFO,
                "{} messages from {}", null, new Object[] {3, "client.example"});
        assertThat(JSON.readTree(new String(encoder.encode(formatted), StandardCharsets.UTF_8)).path("formattedMessage")
                .asText()).isEqualTo("3 messages from client.example");
        Map<String, String> transaction = lines.get("yubin.smtp.transaction").get(0);
        assertThat(transaction).containsEntry("message", "smtp transaction").containsEntry("listener", "mx")
                .containsEntry("client", "127.0.0.1").containsEntry("helo", "client.example")
                .containsEntry("from", "someone@elsewhere.example").containsEntry("to", "dora@example.test")
                .containsEntry("tls", "none").containsEntry("reply", queued.strip())
                .containsKeys("session", "size", "queueId");
        assertThat(queued).contains(transaction.get("queueId"));
        assertThat(lines.get("yubin.login")).extracting(l -> l.get("result")).containsExactly("failure", "success");
        assertThat(lines.get("yubin.login").get(1)).containsEntry("protocol", "imap")
                .containsEntry("login", "dora@example.test").containsEntry("client", "127.0.0.1")
                .containsEntry("tls", "false");
    }

    @Test
    void theJsonFormatReplacesTheConsoleEncoderAndLevelsChangeAtRunTime() throws Exception {
        ServerConfig text = TestServerConfig.load(dir.resolve("a"), "log-format", Map.of());
        ServerConfig json = TestServerConfig.load(dir.resolve("b"), "log-format", Map.of("YUBIN_LOGGING_FORMAT", "json"));
        ServerConfig cluster = TestServerConfig.load(dir.resolve("c"), "log-format", Map.of(
                "YUBIN_CLUSTER_ENABLED", "true", "YUBIN_CLUSTER_MEMBERS", "127.0.0.1:5701"));
        assertThat(LogSetup.format(text)).isEqualTo(ServerConfig.LogFormat.TEXT);
        assertThat(LogSetup.format(json)).isEqualTo(ServerConfig.LogFormat.JSON);
        assertThat(LogSetup.format(cluster)).isEqualTo(ServerConfig.LogFormat.JSON);

        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        @SuppressWarnings("unchecked")
        ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) context
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("CONSOLE");
        if (console != null) {
            var before = console.getEncoder();
            try {
                LogSetup.apply(json);
                assertThat(console.getEncoder()).isInstanceOf(JsonEncoder.class);
            } finally {
                console.stop();
                console.setEncoder(before);
                console.start();
            }
        }

        assertThat(LogSetup.setLevel("io.yubin.smtp", "debug")).isEqualTo("DEBUG");
        assertThat(LogSetup.levels()).containsEntry("io.yubin.smtp", "DEBUG");
        assertThat(LoggerFactory.getLogger("io.yubin.smtp.SmtpSession").isDebugEnabled()).isTrue();
        LogSetup.setLevel("io.yubin.smtp", null);
        assertThat(LogSetup.levels()).doesNotContainKey("io.yubin.smtp");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogSetup.setLevel("io.yubin", "LOUD"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TRACE, DEBUG");
    }

    /** One implicit TLS session (submissions, 465) and one STARTTLS (mx), each counted under its listener. */
    private static void tlsSessionsAreCountedByListenerAndVersion(EmbeddedServer server) throws Exception {
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        try (LineClient smtps = new LineClient(tls.getSocketFactory().createSocket("127.0.0.1",
                server.config().smtp().submissionsPort()))) {
            smtps.socket().setSoTimeout(30_000);
            assertThat(smtps.smtpReply()).startsWith("220");
            assertThat(smtps.smtp("QUIT")).startsWith("221");
        }
        try (Socket plain = new Socket("127.0.0.1", server.config().smtp().mxPort())) {
            plain.setSoTimeout(30_000);
            LineClient smtp = new LineClient(plain);
            assertThat(smtp.smtpReply()).startsWith("220");
            assertThat(smtp.smtp("EHLO client.example")).startsWith("250");
            assertThat(smtp.smtp("STARTTLS")).startsWith("220");
            try (LineClient secured = new LineClient(tls.getSocketFactory().createSocket(plain, "127.0.0.1",
                    plain.getPort(), true))) {
                assertThat(secured.smtp("EHLO client.example")).startsWith("250");
                assertThat(secured.smtp("QUIT")).startsWith("221");
            }
        }
        String scrape = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        List<String> sessions = scrape.lines().filter(l -> l.startsWith("yubin_tls_sessions_total{")).toList();
        assertThat(sessions).anySatisfy(l -> assertThat(l).contains("listener=\"submissions\"", "version=\"TLSv1.3\"",
                "cipher=\"TLS_")).anySatisfy(l -> assertThat(l).contains("listener=\"mx\"", "version=\"TLSv1."));
        assertThat(scrape).contains("yubin_store_requests_seconds_count{operation=\"append\",outcome=\"success\","
                + "store=\"mailboxes\"}");
    }

    /**
     * docs/monitoring's dashboard and alert rules name only metrics a server exposes (the Cassandra ones
     * aside: this server is the embedded default), so they cannot drift from the code unnoticed.
     */
    private static void everyMetricOfTheDashboardAndTheAlertsIsExposed(EmbeddedServer server) throws Exception {
        System.gc(); // the GC pause timer appears with the first collection
        java.net.http.HttpResponse<String> scrape = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.adminPort()
                        + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        java.util.Set<String> exposed = new java.util.HashSet<>();
        for (String line : scrape.body().lines().toList()) {
            if (!line.startsWith("#") && !line.isBlank()) {
                exposed.add(line.split("[{ ]", 2)[0]);
            }
        }
        Path monitoring = Path.of("../../docs/monitoring");
        java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\b((?:yubin|jvm)_[a-z_]+)\\b").matcher(
                Files.readString(monitoring.resolve("yubin-dashboard.json"))
                        + Files.readString(monitoring.resolve("yubin-alerts.yaml")));
        java.util.Set<String> named = new java.util.TreeSet<>();
        while (names.find()) {
            named.add(names.group(1));
        }
        named.removeIf(n -> n.startsWith("yubin_cassandra_"));
        assertThat(named).hasSizeGreaterThan(10);
        assertThat(exposed).containsAll(named);
    }

    /** {@code yubin log level} and {@code yubin log levels} through the admin API of a running server. */
    private static void loggerLevelsChangeThroughTheCli(EmbeddedServer server) throws Exception {
        String[] api = {"--url", "http://127.0.0.1:" + server.adminPort(), "--token",
                AdminToken.read(server.config().dataDir().resolve("admin-token"))};
        io.yubin.server.cli.CliRun cli = new io.yubin.server.cli.CliRun();
        try {
            assertThat(cli.run(concat(new String[] {"log", "level", "io.yubin.imap", "debug"}, api)))
                    .as(cli.err()).isZero();
            assertThat(cli.out()).contains("io.yubin.imap\tDEBUG");
            assertThat(LoggerFactory.getLogger("io.yubin.imap.ImapSession").isDebugEnabled()).isTrue();
            assertThat(cli.run(concat(new String[] {"log", "levels"}, api))).isZero();
            assertThat(cli.out()).contains("io.yubin.imap\tDEBUG\n", "ROOT\t");
            assertThat(cli.run(concat(new String[] {"log", "level", "io.yubin.imap", "LOUD"}, api))).isEqualTo(1);
            assertThat(cli.err()).contains("TRACE, DEBUG");
        } finally {
            assertThat(cli.run(concat(new String[] {"log", "level", "io.yubin.imap", "inherit"}, api))).isZero();
        }
        assertThat(LoggerFactory.getLogger("io.yubin.imap.ImapSession").isDebugEnabled()).isFalse();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
