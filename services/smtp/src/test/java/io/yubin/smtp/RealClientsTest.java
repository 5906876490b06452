package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Envelope;
import io.yubin.store.SpoolEntry;
import io.yubin.testing.vertx.BlockedThreadWatch;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients against the server: Angus Mail (Jakarta Mail), swaks (Debian) and Perl's Net::SMTP (libnet, in
 * Debian's perl; the client here that sends BDAT, which Debian's swaks 20201014 cannot).
 */
@ExtendWith(BlockedThreadWatch.class)
class RealClientsTest {

    @TempDir
    Path dir;
    TestServer t;

    @BeforeEach
    void start() throws Exception {
        t = new TestServer(dir);
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    private MimeMessage message(Session session, String subject) throws Exception {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("alice@example.org"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("bob@example.org"));
        m.setSubject(subject);
        m.setText("Hello from Jakarta Mail\n.\nwith a lone dot line\n", "UTF-8");
        return m;
    }

    @Test
    void angusMailSubmitsWithStartTlsAndAuthPlain() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", Integer.toString(t.port(SmtpServer.Mode.SUBMISSION)));
        p.put("mail.smtp.auth", "true");
        p.put("mail.smtp.auth.mechanisms", "PLAIN");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        Session session = Session.getInstance(p);
        Transport.send(message(session, "via STARTTLS"), "alice@example.org", TestServer.PASSWORD);
        SpoolEntry entry = t.spooled().get(0);
        assertThat(entry.client().authenticatedUser()).isEqualTo("alice@example.org");
        assertThat(t.body(entry)).contains("with ESMTPSA", "Subject: via STARTTLS", "\r\n.\r\nwith a lone dot line");
    }

    @Test
    void angusMailSubmitsOverImplicitTls() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtps.host", "127.0.0.1");
        p.put("mail.smtps.port", Integer.toString(t.port(SmtpServer.Mode.SUBMISSIONS)));
        p.put("mail.smtps.auth", "true");
        p.put("mail.smtps.ssl.trust", "*");
        p.put("mail.smtps.ssl.checkserveridentity", "false");
        Session session = Session.getInstance(p);
        try (Transport transport = session.getTransport("smtps")) {
            transport.connect("alice@example.org", TestServer.PASSWORD);
            MimeMessage m = message(session, "via implicit TLS");
            transport.sendMessage(m, m.getAllRecipients());
        }
        assertThat(t.body(t.spooled().get(0))).contains("with ESMTPSA", "Subject: via implicit TLS");
    }

    /** swaks is a test dependency installed by .ci/install-packages; missing, the test fails. */
    private static String swaks() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(d, "swaks");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        throw new AssertionError("swaks is not installed (apt-get install swaks; .ci/install-packages lists it)");
    }

    private record Run(int exit, String output) {
    }

    private Run swaks(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(swaks());
        command.addAll(List.of("--server", "127.0.0.1", "--timeout", "20"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void swaksSubmitsWithStartTlsAuthAndPipelining() throws Exception {
        Run run = swaks("--port", Integer.toString(t.port(SmtpServer.Mode.SUBMISSION)), "--tls", "--pipeline",
                "--auth", "PLAIN", "--auth-user", "alice@example.org", "--auth-password", TestServer.PASSWORD,
                "--from", "alice@example.org", "--to", "bob@example.org,friend@elsewhere.example",
                "--header", "Subject: swaks test");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("250 2.0.0 OK: queued as", "235 2.7.0");
        SpoolEntry entry = t.spooled().get(0);
        assertThat(entry.envelope().recipients()).hasSize(2);
        assertThat(t.body(entry)).contains("Subject: swaks test", "with ESMTPSA");
    }

    @Test
    void swaksLoginOverImplicitTls() throws Exception {
        Run run = swaks("--port", Integer.toString(t.port(SmtpServer.Mode.SUBMISSIONS)), "--tls-on-connect",
                "--auth", "LOGIN", "--auth-user", "alice@example.org", "--auth-password", TestServer.PASSWORD,
                "--from", "sales@example.org", "--to", "bob@example.org");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(t.spooled()).hasSize(1);
    }

    @Test
    void swaksIsRefusedForUnknownUsersRelayingAndAuthWithoutTls() throws Exception {
        Run unknown = swaks("--port", Integer.toString(t.port(SmtpServer.Mode.MX)), "--pipeline",
                "--from", "x@remote.example", "--to", "nobody@example.org");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.output()).contains("550 5.1.1");
        Run relay = swaks("--port", Integer.toString(t.port(SmtpServer.Mode.MX)),
                "--from", "x@remote.example", "--to", "someone@elsewhere.example");
        assertThat(relay.exit()).isNotZero();
        assertThat(relay.output()).contains("550 5.7.1");
        Run plaintextAuth = swaks("--port", Integer.toString(t.port(SmtpServer.Mode.SUBMISSION)),
                "--auth", "PLAIN", "--auth-user", "alice@example.org", "--auth-password", TestServer.PASSWORD,
                "--from", "alice@example.org", "--to", "bob@example.org");
        assertThat(plaintextAuth.exit()).isNotZero();
        assertThat(t.spooled()).isEmpty();
    }

    /**
     * Net::SMTP sends the message with BODY=BINARYMIME as BDAT chunks after STARTTLS and AUTH; the chunks split
     * a CRLF and carry a line that starts with a dot, which BDAT must store as it is (no dot-stuffing).
     */
    @Test
    void perlNetSmtpSubmitsBinaryMimeInBdatChunksAfterStartTlsAndAuth() throws Exception {
        Path script = Path.of(RealClientsTest.class.getResource("/clients/net-smtp-bdat.pl").toURI());
        String[] chunks = {
            "From: alice@example.org\\r\\nTo: bob@example.org\\r\\nSubject: in chunks\\r",
            "\\n\\r\\nfirst line\\r\\n.leading dot kept\\r\\n",
            "last line\\r\\n"};
        List<String> command = new ArrayList<>(List.of("perl", script.toString(), "127.0.0.1",
                Integer.toString(t.port(SmtpServer.Mode.SUBMISSION)), "alice@example.org", TestServer.PASSWORD,
                "alice@example.org", "bob@example.org"));
        command.addAll(List.of(chunks));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        assertThat(out).contains("final: 250");
        SpoolEntry entry = t.spooled().get(0);
        assertThat(entry.client().authenticatedUser()).isEqualTo("alice@example.org");
        assertThat(entry.envelope().body()).isEqualTo(Envelope.BodyType.BINARY_MIME);
        assertThat(t.body(entry)).contains("with ESMTPSA", "Subject: in chunks\r\n")
                .endsWith("\r\n\r\nfirst line\r\n.leading dot kept\r\nlast line\r\n");
    }
}
