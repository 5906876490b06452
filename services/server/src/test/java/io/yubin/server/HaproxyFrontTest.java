package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real HAProxy with the shipped {@code k8s/haproxy/haproxy.cfg} ({@code send-proxy-v2} to every
 * listener, TLS passed through) in front of a real {@code yubin serve} with proxy-protocol on for
 * SMTP, IMAP and POP3. Clients connect to HAProxy from other loopback addresses (127.0.0.2 and
 * up) than HAProxy's own connections to Yubin (127.0.0.1), so every check below would see
 * 127.0.0.1 if the address did not come from the PROXY header.
 */
class HaproxyFrontTest {

    private static final String PASSWORD = "a long enough password";
    private static final int MAX_PER_IP = 2;
    /** Failures from one client address that lock it (LoginThrottle.Policy.CLIENT_IP). */
    private static final int CLIENT_FAILURES_BEFORE_LOCK = 20;

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private ServerProcess server;
    private HaproxyProcess haproxy;

    @BeforeEach
    void start() throws Exception {
        server = new ServerProcess(dataDir, logDir);
        for (String protocol : List.of("SMTP", "IMAP", "POP3")) {
            server.environment("YUBIN_" + protocol + "_PROXY_PROTOCOL", "true")
                    .environment("YUBIN_" + protocol + "_MAX_CONNECTIONS_PER_IP", String.valueOf(MAX_PER_IP));
        }
        server.environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024").environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
        server.start("serve.log");
        server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
        for (String user : List.of("alice@example.test", "bob@example.test")) {
            server.post("/api/v1/users", "{\"address\":\"" + user + "\",\"password\":\"" + PASSWORD + "\"}");
        }
        haproxy = new HaproxyProcess(logDir, server);
    }

    @AfterEach
    void stop() throws Exception {
        if (haproxy != null) {
            haproxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void receivedLineNamesTheClientBehindHaproxyOnEverySmtpListener() throws Exception {
        try (LineClient mx = new LineClient(haproxy.connect("SMTP", "127.0.0.2"))) {
            assertThat(mx.smtpReply()).startsWith("220 ");
            assertThat(mx.smtp("EHLO mx.client.test")).startsWith("250 ");
            send(mx, "sender@remote.test", "via MX");
        }
        try (LineClient plain = new LineClient(haproxy.connect("SUBMISSION", "127.0.0.3"))) {
            assertThat(plain.smtpReply()).startsWith("220 ");
            assertThat(plain.smtp("EHLO submission.client.test")).startsWith("250 ");
            assertThat(plain.smtp("STARTTLS")).startsWith("220 ");
            try (LineClient submission = new LineClient(server.tlsSocket(plainSocket(plain)))) {
                assertThat(submission.smtp("EHLO submission.client.test")).startsWith("250 ");
                assertThat(submission.smtp(authPlain("bob@example.test"))).startsWith("235 ");
                send(submission, "bob@example.test", "via submission");
            }
        }
        try (LineClient submissions = new LineClient(server.tlsSocket(haproxy.connect("SUBMISSIONS", "127.0.0.4")))) {
            assertThat(submissions.smtpReply()).startsWith("220 ");
            assertThat(submissions.smtp("EHLO submissions.client.test")).startsWith("250 ");
            assertThat(submissions.smtp(authPlain("bob@example.test"))).startsWith("235 ");
            send(submissions, "bob@example.test", "via submissions");
        }

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(receivedLines("127.0.0.5")).hasSize(3));
        List<String> received = receivedLines("127.0.0.5");
        assertThat(received).anySatisfy(r -> assertThat(r).contains("via MX").contains("([127.0.0.2])"))
                .anySatisfy(r -> assertThat(r).contains("via submission/").contains("([127.0.0.3])"))
                .anySatisfy(r -> assertThat(r).contains("via submissions/").contains("([127.0.0.4])"))
                .noneSatisfy(r -> assertThat(r).contains("127.0.0.1"));
    }

    @Test
    void capsConnectionsPerRealClientAddressOverEveryListener() throws Exception {
        // SMTP: MX and submission hold the cap for 127.0.0.2; submissions (TLS) is over it.
        try (LineClient a = new LineClient(haproxy.connect("SMTP", "127.0.0.2"));
                LineClient b = new LineClient(haproxy.connect("SUBMISSION", "127.0.0.2"))) {
            assertThat(a.smtpReply()).startsWith("220 ");
            assertThat(b.smtpReply()).startsWith("220 ");
            try (LineClient over = new LineClient(server.tlsSocket(haproxy.connect("SUBMISSIONS", "127.0.0.2")));
                    LineClient other = new LineClient(haproxy.connect("SMTP", "127.0.0.3"))) {
                assertThat(over.line()).isEqualTo("421 4.7.0 Too many connections from your address");
                assertThat(other.smtpReply()).as("another client address").startsWith("220 ");
            }
        }
        try (LineClient a = new LineClient(haproxy.connect("IMAP", "127.0.0.2"));
                LineClient b = new LineClient(server.tlsSocket(haproxy.connect("IMAPS", "127.0.0.2")))) {
            assertThat(a.line()).startsWith("* OK");
            assertThat(b.line()).startsWith("* OK");
            try (LineClient over = new LineClient(haproxy.connect("IMAP", "127.0.0.2"));
                    LineClient other = new LineClient(server.tlsSocket(haproxy.connect("IMAPS", "127.0.0.3")))) {
                assertThat(over.line()).isEqualTo("* BYE [UNAVAILABLE] Too many connections from your address");
                assertThat(other.line()).as("another client address").startsWith("* OK");
            }
        }
        try (LineClient a = new LineClient(haproxy.connect("POP3", "127.0.0.2"));
                LineClient b = new LineClient(server.tlsSocket(haproxy.connect("POP3S", "127.0.0.2")))) {
            assertThat(a.line()).startsWith("+OK");
            assertThat(b.line()).startsWith("+OK");
            try (LineClient over = new LineClient(server.tlsSocket(haproxy.connect("POP3S", "127.0.0.2")));
                    LineClient other = new LineClient(haproxy.connect("POP3", "127.0.0.3"))) {
                assertThat(over.line()).isEqualTo("-ERR [SYS/TEMP] too many connections from your address");
                assertThat(other.line()).as("another client address").startsWith("+OK");
            }
        }
    }

    @Test
    void failedLoginThrottleIsKeyedByTheRealClientAddress() throws Exception {
        try (LineClient imap = new LineClient(server.tlsSocket(haproxy.connect("IMAPS", "127.0.0.6")))) {
            assertThat(imap.line()).startsWith("* OK");
            for (int i = 0; i < CLIENT_FAILURES_BEFORE_LOCK; i++) {
                imap.send("f" + i + " LOGIN nobody" + i + "@example.test \"wrong password\"");
                assertThat(imap.line()).startsWith("f" + i + " NO [AUTHENTICATIONFAILED]");
            }
        }
        // 127.0.0.6 is locked out in every protocol, even with the right password ...
        assertThat(imapLogin("127.0.0.6")).startsWith("l NO [UNAVAILABLE]");
        assertThat(pop3Login("127.0.0.6")).isEqualTo("-ERR [SYS/TEMP] too many failed logins, try again later");
        assertThat(smtpAuth("127.0.0.6")).startsWith("454 4.7.0");
        // ... while another client address, through the same HAProxy, is not.
        assertThat(imapLogin("127.0.0.7")).startsWith("l OK");
        assertThat(pop3Login("127.0.0.7")).startsWith("+OK");
        assertThat(smtpAuth("127.0.0.7")).startsWith("235 ");
    }

    @Test
    void listenersExpectingProxyRefuseConnectionsWithoutAValidHeader() throws Exception {
        // SMTP without a header: a client speaking first is closed without a greeting.
        assertRefused(server.mxPort(), "EHLO client.example.test\r\n".getBytes(StandardCharsets.US_ASCII));
        // IMAP with a malformed v1 header.
        assertRefused(server.imapPort(), "PROXY TCP4 not-an-address 127.0.0.1 1 2\r\n".getBytes(StandardCharsets.US_ASCII));
        // POP3 with a v2 signature and an unknown version (3).
        byte[] badVersion = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x31, 0x11, 0x00,
            0x0C, (byte) 203, 0, 113, 7, 127, 0, 0, 1, (byte) 0x9C, 0x40, 0x00, 0x6E};
        assertRefused(server.pop3Port(), badVersion);
        // Implicit TLS without a header: the ClientHello is not one, so the handshake fails.
        assertThatThrownBy(() -> server.tlsSocket(server.submissionsPort()).getInputStream().read())
                .isInstanceOf(IOException.class);
    }

    /** Writes {@code first} and expects the connection closed without a single octet from the server. */
    private static void assertRefused(int port, byte[] first) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(first);
            out.flush();
            InputStream in = socket.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (IOException reset) {
                read = -1;
            }
            assertThat(read).as("nothing from the server on port %d, then the end", port).isEqualTo(-1);
        }
    }

    private static void send(LineClient smtp, String from, String via) throws IOException {
        assertThat(smtp.smtp("MAIL FROM:<" + from + ">")).startsWith("250 ");
        assertThat(smtp.smtp("RCPT TO:<alice@example.test>")).startsWith("250 ");
        assertThat(smtp.smtp("DATA")).startsWith("354 ");
        smtp.send("From: <" + from + ">");
        smtp.send("Subject: " + via);
        smtp.send("");
        smtp.send("sent " + via);
        assertThat(smtp.smtp(".")).startsWith("250 ");
        assertThat(smtp.smtp("QUIT")).startsWith("221 ");
    }

    /** Each of alice's messages as its first Received field (unfolded) and its Subject, read over POP3 through HAProxy. */
    private List<String> receivedLines(String from) throws Exception {
        List<String> out = new ArrayList<>();
        try (LineClient pop3 = new LineClient(server.tlsSocket(haproxy.connect("POP3S", from)))) {
            pop3.line();
            pop3.pop3("USER alice@example.test");
            assertThat(pop3.pop3("PASS " + PASSWORD)).startsWith("+OK");
            int count = Integer.parseInt(pop3.pop3("STAT").split(" ")[1]);
            for (int i = 1; i <= count; i++) {
                assertThat(pop3.pop3("RETR " + i)).startsWith("+OK");
                StringBuilder received = new StringBuilder();
                String subject = "";
                boolean inReceived = false;
                for (String line = pop3.line(); !line.equals("."); line = pop3.line()) {
                    if (inReceived && (line.startsWith(" ") || line.startsWith("\t"))) {
                        received.append(' ').append(line.strip());
                        continue;
                    }
                    inReceived = received.isEmpty() && line.startsWith("Received:");
                    if (inReceived) {
                        received.append(line);
                    }
                    if (line.startsWith("Subject: ")) {
                        subject = line.substring("Subject: ".length());
                    }
                }
                out.add(subject + "/ " + received);
            }
            pop3.pop3("QUIT");
        }
        return out;
    }

    private static String authPlain(String user) {
        return "AUTH PLAIN " + Base64.getEncoder().encodeToString(("\0" + user + "\0" + PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
    }

    private String imapLogin(String from) throws Exception {
        try (LineClient imap = new LineClient(server.tlsSocket(haproxy.connect("IMAPS", from)))) {
            imap.line();
            imap.send("l LOGIN alice@example.test \"" + PASSWORD + "\"");
            String line;
            do {
                line = imap.line();
            } while (!line.startsWith("l "));
            return line;
        }
    }

    private String pop3Login(String from) throws Exception {
        try (LineClient pop3 = new LineClient(server.tlsSocket(haproxy.connect("POP3S", from)))) {
            pop3.line();
            pop3.pop3("USER alice@example.test");
            return pop3.pop3("PASS " + PASSWORD);
        }
    }

    private String smtpAuth(String from) throws Exception {
        try (LineClient smtp = new LineClient(server.tlsSocket(haproxy.connect("SUBMISSIONS", from)))) {
            smtp.smtpReply();
            smtp.smtp("EHLO client.test");
            return smtp.smtp(authPlain("alice@example.test"));
        }
    }

    private static Socket plainSocket(LineClient client) {
        return client.socket();
    }
}
