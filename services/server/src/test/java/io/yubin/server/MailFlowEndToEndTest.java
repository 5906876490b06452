package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One message through the whole embedded server: in by SMTP on the MX port, delivered, out by
 * POP3 over TLS byte for byte, deleted by POP3.
 */
class MailFlowEndToEndTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private ServerProcess server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void messageSentBySmtpIsFetchedByPop3ByteForByteAndDeleted() throws Exception {
        server = new ServerProcess(dataDir, logDir);
        server.start("server.log");
        server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
        server.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"a long secret phrase\"}");

        // Lines starting with a dot travel dot-stuffed in both protocols and must come back as sent.
        String message = "From: Bob <bob@remote.test>\r\nTo: alice@example.test\r\nSubject: flow\r\n"
                + "Message-ID: <flow-1@remote.test>\r\n\r\nfirst line\r\n.leading dot\r\n..two dots\r\nlast line\r\n";
        try (Socket smtp = new Socket("127.0.0.1", server.mxPort())) {
            BufferedReader in = reader(smtp.getInputStream());
            OutputStream out = smtp.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            assertThat(smtpCommand(in, out, "EHLO client.test")).startsWith("250 ");
            assertThat(smtpCommand(in, out, "MAIL FROM:<bob@remote.test>")).startsWith("250 ");
            assertThat(smtpCommand(in, out, "RCPT TO:<alice@example.test>")).startsWith("250 ");
            assertThat(smtpCommand(in, out, "DATA")).startsWith("354 ");
            String stuffed = message.replace("\r\n.", "\r\n..");
            assertThat(smtpCommand(in, out, stuffed + ".")).startsWith("250 2.0.0");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/api/v1/queue").body().contains("\"entries\":[]"));

        try (SSLSocket pop3 = (SSLSocket) trusting(server.certificate()).getSocketFactory()
                .createSocket("127.0.0.1", server.pop3TlsPort())) {
            BufferedReader in = reader(pop3.getInputStream());
            OutputStream out = pop3.getOutputStream();
            assertThat(in.readLine()).startsWith("+OK");
            assertThat(pop3Command(in, out, "USER alice@example.test")).startsWith("+OK");
            assertThat(pop3Command(in, out, "PASS a long secret phrase")).startsWith("+OK");
            assertThat(pop3Command(in, out, "STAT")).startsWith("+OK 1 ");
            assertThat(pop3Command(in, out, "RETR 1")).startsWith("+OK");
            String fetched = multiLine(in);
            assertThat(fetched).startsWith("Return-Path: <bob@remote.test>\r\nReceived: from client.test")
                    .endsWith(message);
            assertThat(pop3Command(in, out, "DELE 1")).startsWith("+OK");
            assertThat(pop3Command(in, out, "QUIT")).startsWith("+OK");
        }
        try (SSLSocket pop3 = (SSLSocket) trusting(server.certificate()).getSocketFactory()
                .createSocket("127.0.0.1", server.pop3TlsPort())) {
            BufferedReader in = reader(pop3.getInputStream());
            OutputStream out = pop3.getOutputStream();
            in.readLine();
            pop3Command(in, out, "USER alice@example.test");
            pop3Command(in, out, "PASS a long secret phrase");
            assertThat(pop3Command(in, out, "STAT")).isEqualTo("+OK 0 0");
        }
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    private static String smtpCommand(BufferedReader in, OutputStream out, String line) throws IOException {
        send(out, line);
        String reply;
        do {
            reply = in.readLine();
        } while (reply != null && reply.length() > 3 && reply.charAt(3) == '-');
        return reply;
    }

    private static String pop3Command(BufferedReader in, OutputStream out, String line) throws IOException {
        send(out, line);
        return in.readLine();
    }

    private static void send(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A POP3 multi-line response, un-stuffed, with CRLF line ends, without the terminating dot. */
    private static String multiLine(BufferedReader in) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (String line = in.readLine(); !".".equals(line); line = in.readLine()) {
            String unstuffed = line.startsWith(".") ? line.substring(1) : line;
            text.writeBytes((unstuffed + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        return text.toString(StandardCharsets.UTF_8);
    }

    private static SSLContext trusting(Path certificatePem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream pem = Files.newInputStream(certificatePem)) {
            trust.setCertificateEntry("yubin", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
