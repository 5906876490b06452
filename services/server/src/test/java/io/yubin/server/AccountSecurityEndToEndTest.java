package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.server.cli.PasswordInput;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.Accounts;
import io.yubin.store.QuotaLimits;
import io.yubin.store.TotpCodes;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Account security on {@code yubin serve}'s wiring, with real clients over TCP and the CLI through the
 * admin API: failed IMAP logins lock the account for POP3 and SMTP AUTH too, even with the right
 * password, until {@code yubin user unlock}; with TOTP enrolled ({@code yubin user 2fa enable}) IMAP
 * LOGIN takes app passwords only.
 */
class AccountSecurityEndToEndTest {

    static final String PASSWORD = "correct horse battery";
    /** security.lockout.failures, lowered for the test. */
    static final int FAILURES = 3;

    @TempDir
    static Path dir;
    static EmbeddedServer server;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig config = TestServerConfig.load(Files.createDirectories(dir.resolve("data")), "security-e2e",
                Map.of("YUBIN_IMAP_PORT", String.valueOf(ServerProcess.freePort()),
                        "YUBIN_IMAP_ALLOW_PLAINTEXT_AUTH", "true",
                        "YUBIN_POP3_PORT", String.valueOf(ServerProcess.freePort()),
                        "YUBIN_POP3_ALLOW_PLAINTEXT_AUTH", "true",
                        "YUBIN_SMTP_SUBMISSIONS_PORT", String.valueOf(ServerProcess.freePort()),
                        "YUBIN_SECURITY_LOCKOUT_FAILURES", String.valueOf(FAILURES),
                        "YUBIN_DELIVERY_REMOTE_ENABLED", "false"));
        server = EmbeddedServer.start(config);
        await(server.accounts().addDomain(Domain.parse("example.test")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void failedImapLoginsLockTheAccountInPop3AndSmtpTooUntilTheCliUnlocksIt() throws Exception {
        await(server.accounts().addUser(MailAddress.parse("carol@example.test"), PASSWORD.toCharArray(), QuotaLimits.NONE));
        try (LineClient imap = imap()) {
            for (int i = 0; i < FAILURES; i++) {
                assertThat(imap.imap("f" + i + " LOGIN carol@example.test \"wrong password " + i + "\""))
                        .startsWith("f" + i + " NO [AUTHENTICATIONFAILED]");
            }
            assertThat(imap.imap("l LOGIN carol@example.test \"" + PASSWORD + "\"")).startsWith("l NO [UNAVAILABLE]");
        }
        assertThat(pop3Login("carol@example.test", PASSWORD))
                .isEqualTo("-ERR [SYS/TEMP] too many failed logins, try again later");
        assertThat(smtpAuth("carol@example.test", PASSWORD)).startsWith("454 4.7.0");
        assertThat(metrics()).contains("yubin_account_locks_total 1.0");

        String[] locks = yubin("user", "locks");
        assertThat(locks[0]).isEqualTo("0");
        assertThat(locks[1]).startsWith("carol@example.test\t").contains("\t127.0.0.1");

        String[] unlock = yubin("user", "unlock", "carol@example.test");
        assertThat(unlock[0]).isEqualTo("0");
        assertThat(unlock[1]).isEqualTo("unlocked carol@example.test\n");
        assertThat(metrics()).contains("yubin_account_unlocks_total 1.0");
        assertThat(yubin("user", "locks")[1]).isEmpty();

        try (LineClient imap = imap()) {
            assertThat(imap.imap("l LOGIN carol@example.test \"" + PASSWORD + "\"")).startsWith("l OK");
        }
        assertThat(pop3Login("carol@example.test", PASSWORD)).startsWith("+OK");
        assertThat(smtpAuth("carol@example.test", PASSWORD)).startsWith("235 ");
    }

    @Test
    void withTotpEnabledByTheCliImapTakesAppPasswordsOnly() throws Exception {
        MailAddress dave = MailAddress.parse("dave@example.test");
        await(server.accounts().addUser(dave, PASSWORD.toCharArray(), QuotaLimits.NONE));
        Accounts.NewAppPassword phone = await(server.accounts().addAppPassword(dave, "phone"));

        String[] enable = yubin("user", "2fa", "enable", "dave@example.test");
        assertThat(enable[0]).isEqualTo("0");
        Matcher uri = Pattern.compile("otpauth://totp/Yubin:dave@example.test\\?secret=([A-Z2-7]{32})&issuer=Yubin"
                + "&algorithm=SHA1&digits=6&period=30").matcher(enable[1]);
        assertThat(uri.find()).as(enable[1]).isTrue();
        assertThat(enable[1]).contains("█▀").contains("▄");

        try (LineClient imap = imap()) {
            assertThat(imap.imap("p LOGIN dave@example.test \"" + PASSWORD + "\""))
                    .as("the same reply as a wrong password").startsWith("p NO [AUTHENTICATIONFAILED]");
            assertThat(imap.imap("a LOGIN dave@example.test " + phone.secret())).startsWith("a OK");
        }

        String code = TotpCodes.code(uri.group(1), Instant.now());
        assertThat(yubin("user", "2fa", "verify", "dave@example.test", code)[0]).isEqualTo("0");
        String wrong = code.equals("000000") ? "000001" : "000000";
        assertThat(yubin("user", "2fa", "verify", "dave@example.test", wrong)[0]).isEqualTo("1");

        assertThat(yubin("user", "2fa", "disable", "dave@example.test")[0]).isEqualTo("0");
        try (LineClient imap = imap()) {
            assertThat(imap.imap("p LOGIN dave@example.test \"" + PASSWORD + "\"")).startsWith("p OK");
        }
    }

    @Test
    void aDomainAdministratorAddedByTheCliLogsInWithPasswordAndCodeAndManagesOnlyItsDomain() throws Exception {
        await(server.accounts().addDomain(Domain.parse("other.test")));
        String[] add = yubinAs(PASSWORD + "\n", token(), "admin", "add", "shop-admin", "--role", "domain", "--domain",
                "example.test");
        assertThat(add[0]).as(add[2]).isEqualTo("0");
        Matcher secret = Pattern.compile("TOTP secret: ([A-Z2-7]{32})").matcher(add[1]);
        assertThat(secret.find()).as(add[1]).isTrue();
        assertThat(add[1]).contains("otpauth://totp/Yubin:shop-admin?secret=" + secret.group(1)).contains("█▀");

        String[] login = yubinAs(PASSWORD + "\n" + TotpCodes.code(secret.group(1), Instant.now()) + "\n", null,
                "admin", "login", "shop-admin");
        assertThat(login[0]).as(login[2]).isEqualTo("0");
        String session = login[1].strip();
        assertThat(session).startsWith("yas_");

        String[] addUser = yubinAs(PASSWORD + "\n", session, "user", "add", "erin@example.test");
        assertThat(addUser[0]).as(addUser[2]).isEqualTo("0");
        String[] otherDomain = yubinAs(PASSWORD + "\n", session, "user", "add", "erin@other.test");
        assertThat(otherDomain[0]).isEqualTo("1");
        assertThat(otherDomain[2]).contains("does not manage the domain other.test");
        assertThat(yubinAs("", session, "domain", "remove", "other.test")[2])
                .contains("only a global administrator may DELETE");

        assertThat(yubinAs("", session, "admin", "logout")[0]).isEqualTo("0");
        assertThat(yubinAs("", session, "user", "list")[0]).as("the session has ended").isEqualTo("1");
    }

    private static LineClient imap() throws Exception {
        LineClient imap = new LineClient(new Socket("127.0.0.1", server.config().imap().port()));
        imap.socket().setSoTimeout(30_000);
        assertThat(imap.line()).startsWith("* OK");
        return imap;
    }

    private static String pop3Login(String user, String password) throws Exception {
        try (LineClient pop3 = new LineClient(new Socket("127.0.0.1", server.config().pop3().port()))) {
            pop3.socket().setSoTimeout(30_000);
            assertThat(pop3.line()).startsWith("+OK");
            pop3.pop3("USER " + user);
            return pop3.pop3("PASS " + password);
        }
    }

    private static String smtpAuth(String user, String password) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("yubin", server.tls().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        try (LineClient smtp = new LineClient(tls.getSocketFactory().createSocket("127.0.0.1",
                server.config().smtp().submissionsPort()))) {
            smtp.socket().setSoTimeout(30_000);
            assertThat(smtp.smtpReply()).startsWith("220");
            assertThat(smtp.smtp("EHLO client.test")).startsWith("250");
            return smtp.smtp("AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + user + "\0" + password)
                    .getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Exit status and standard output of one CLI command against the server. */
    private static String[] yubin(String... args) {
        return yubinAs("", token(), args);
    }

    /**
     * Exit status, standard output and standard error of one CLI command with {@code stdin} and
     * {@code token} (null: none).
     */
    private static String[] yubinAs(String stdin, String token, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Yubin.commandLine(new PasswordInput(() -> null,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8))));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", "http://127.0.0.1:" + server.adminPort()));
        if (token != null) {
            all.addAll(List.of("--token", token));
        }
        return new String[] {String.valueOf(cli.execute(all.toArray(String[]::new))), out.toString(), err.toString()};
    }

    private static String token() {
        try {
            return AdminToken.read(server.config().dataDir().resolve("admin-token"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String metrics() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
