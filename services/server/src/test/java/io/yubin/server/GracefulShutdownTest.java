package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a forked {@code yubin serve} while an SMTP client is in the middle of DATA, another
 * one stalls in DATA, an IMAP client idles and a POP3 client is logged in: readiness goes false
 * before the listeners close, sessions at rest are told goodbye at once, the DATA that completes
 * within the grace period is answered 250 and kept, the stalled one is ended with 421 when the
 * grace period is over, and the process exits 0 soon after.
 */
class GracefulShutdownTest {

    private static final String PASSWORD = "a long enough password";
    private static final int GRACE_SECONDS = 6;

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    @Test
    void sigtermDrainsSessionsWithinTheGracePeriodAndExitsZero() throws Exception {
        try (ServerProcess server = new ServerProcess(dataDir, logDir)) {
            server.environment("YUBIN_SHUTDOWN_GRACE_SECONDS", String.valueOf(GRACE_SECONDS))
                    .environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024")
                    .environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
            server.start("serve.log");
            server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
            for (String user : List.of("alice@example.test", "bob@example.test")) {
                server.post("/api/v1/users", "{\"address\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}");
            }

            try (LineClient imap = server.tls(server.imapTlsPort());
                    LineClient pop3 = server.tls(server.pop3TlsPort());
                    LineClient finishing = new LineClient(new Socket("127.0.0.1", server.mxPort()));
                    LineClient stalled = new LineClient(new Socket("127.0.0.1", server.mxPort()))) {
                assertThat(imap.line()).startsWith("* OK");
                assertThat(imapCommand(imap, "a1", "LOGIN alice@example.test \"" + PASSWORD + "\"")).startsWith("a1 OK");
                assertThat(imapCommand(imap, "a2", "SELECT INBOX")).startsWith("a2 OK");
                imap.send("a3 IDLE");
                assertThat(imap.line()).startsWith("+ ");

                assertThat(pop3.line()).startsWith("+OK");
                assertThat(pop3.pop3("USER bob@example.test")).startsWith("+OK");
                assertThat(pop3.pop3("PASS " + PASSWORD)).startsWith("+OK");

                startData(finishing, "alice@example.test");
                finishing.send("Subject: kept");
                finishing.send("");
                finishing.send("first half of a message that completes within the grace period");
                startData(stalled, "alice@example.test");
                stalled.send("Subject: cut off");
                stalled.send("");
                stalled.send("a message whose end never comes");

                long signalled = System.nanoTime();
                server.signalTerminate();

                // Readiness goes false first: by the time the MX port refuses, it is already false,
                // and the process stays live while it drains.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                        assertThatThrownBy(() -> new Socket("127.0.0.1", server.mxPort()).close())
                                .isInstanceOf(ConnectException.class));
                assertThat(server.ready()).as("ready once the listeners are closed").isFalse();
                assertThat(server.live()).as("live while draining").isTrue();

                // Sessions at rest end at once, each with its protocol's goodbye.
                assertThat(imap.line()).isEqualTo("* BYE Server shutting down");
                assertThat(pop3.line()).isEqualTo("-ERR [SYS/TEMP] Server shutting down");
                assertClosed(imap);
                assertClosed(pop3);

                // The transaction in DATA goes on: its end is answered 250, then the session ends.
                finishing.send("second half");
                assertThat(finishing.smtp(".")).startsWith("250 ");
                assertThat(finishing.line()).isEqualTo("421 4.3.2 Service shutting down");
                assertClosed(finishing);
                assertThat(server.ready()).isFalse();

                // The stalled one is ended when the grace period is over.
                assertThat(stalled.line()).isEqualTo("421 4.3.2 Service shutting down");
                long ended = System.nanoTime();
                assertThat(Duration.ofNanos(ended - signalled)).as("the stalled session ends after the grace period")
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(GRACE_SECONDS).minusMillis(500));
                assertClosed(stalled);

                assertThat(server.awaitExit(Duration.ofSeconds(GRACE_SECONDS + 10))).isZero();
                Duration total = Duration.ofNanos(System.nanoTime() - signalled);
                System.out.printf("SIGTERM to exit: %d ms with a %d s grace period used up by a stalled DATA%n",
                        total.toMillis(), GRACE_SECONDS);
            }
            String log = server.log();
            assertThat(log).contains("readiness is now false").contains("Yubin stopped")
                    .doesNotContain("Could not stop").doesNotContain("Could not drain");
            assertThat(log.indexOf("readiness is now false")).isLessThan(log.indexOf("Sessions ended"));
            log.lines().filter(l -> l.contains("Shutting down") || l.contains("Sessions ended")
                    || l.contains("grace period over") || l.contains("Yubin stopped")).forEach(System.out::println);

            // The message answered 250 during the grace period is kept and delivered after the restart.
            server.start("restart.log");
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(subjects("alice@example.test", server)).containsExactly("Subject: kept"));
        }
    }

    @Test
    void sessionsAtRestDoNotHoldTheStopForTheGracePeriod() throws Exception {
        try (ServerProcess server = new ServerProcess(dataDir, logDir)) {
            // The default grace period (25 s): nothing here needs it.
            server.environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024").environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
            server.start("serve.log");
            server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
            server.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"" + PASSWORD + "\"}");
            try (LineClient imap = server.tls(server.imapTlsPort());
                    LineClient pop3 = server.tls(server.pop3TlsPort());
                    LineClient smtp = new LineClient(new Socket("127.0.0.1", server.mxPort()))) {
                imap.line();
                assertThat(imapCommand(imap, "a1", "LOGIN alice@example.test \"" + PASSWORD + "\"")).startsWith("a1 OK");
                assertThat(imapCommand(imap, "a2", "SELECT INBOX")).startsWith("a2 OK");
                imap.send("a3 IDLE");
                assertThat(imap.line()).startsWith("+ ");
                pop3.line();
                assertThat(pop3.pop3("USER alice@example.test")).startsWith("+OK");
                assertThat(pop3.pop3("PASS " + PASSWORD)).startsWith("+OK");
                assertThat(smtp.smtpReply()).startsWith("220 ");
                assertThat(smtp.smtp("EHLO client.test")).startsWith("250 ");

                long signalled = System.nanoTime();
                server.signalTerminate();
                assertThat(imap.line()).isEqualTo("* BYE Server shutting down");
                assertThat(pop3.line()).isEqualTo("-ERR [SYS/TEMP] Server shutting down");
                assertThat(smtp.line()).isEqualTo("421 4.3.2 Service shutting down");
                assertThat(server.awaitExit(Duration.ofSeconds(20))).isZero();
                System.out.printf("SIGTERM to exit with three sessions at rest: %d ms%n",
                        Duration.ofNanos(System.nanoTime() - signalled).toMillis());
            }
            server.log().lines().filter(l -> l.contains("Shutting down") || l.contains("Sessions ended")
                    || l.contains("Yubin stopped")).forEach(System.out::println);
        }
    }

    private static void startData(LineClient smtp, String recipient) throws IOException {
        assertThat(smtp.smtpReply()).startsWith("220 ");
        assertThat(smtp.smtp("EHLO client.test")).startsWith("250 ");
        assertThat(smtp.smtp("MAIL FROM:<sender@remote.test>")).startsWith("250 ");
        assertThat(smtp.smtp("RCPT TO:<" + recipient + ">")).startsWith("250 ");
        assertThat(smtp.smtp("DATA")).startsWith("354 ");
    }

    /** Sends a tagged command and returns its tagged completion, skipping untagged responses. */
    private static String imapCommand(LineClient imap, String tag, String command) throws IOException {
        imap.send(tag + " " + command);
        String line;
        do {
            line = imap.line();
        } while (!line.startsWith(tag + " "));
        return line;
    }

    private static void assertClosed(LineClient client) {
        assertThatThrownBy(client::line).isInstanceOf(IOException.class);
    }

    /** The Subject lines of every message in {@code user}'s maildrop, over POP3. */
    private static List<String> subjects(String user, ServerProcess server) throws Exception {
        List<String> subjects = new ArrayList<>();
        try (LineClient pop3 = server.tls(server.pop3TlsPort())) {
            pop3.line();
            pop3.pop3("USER " + user);
            assertThat(pop3.pop3("PASS " + PASSWORD)).startsWith("+OK");
            String stat = pop3.pop3("STAT");
            int count = Integer.parseInt(stat.split(" ")[1]);
            for (int i = 1; i <= count; i++) {
                assertThat(pop3.pop3("RETR " + i)).startsWith("+OK");
                for (String line = pop3.line(); !line.equals("."); line = pop3.line()) {
                    if (line.startsWith("Subject:")) {
                        subjects.add(line);
                    }
                }
            }
            pop3.pop3("QUIT");
        }
        return subjects;
    }
}
