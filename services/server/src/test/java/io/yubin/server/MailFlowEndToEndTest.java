package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail through the whole embedded server: in by SMTP on the MX port, delivered, out by POP3 over
 * TLS byte for byte, and deletions through POP3 and IMAP seen by the other protocol.
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
        try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.mxPort()))) {
            assertThat(smtp.line()).startsWith("220 ");
            assertThat(smtp.smtp("EHLO client.test")).startsWith("250 ");
            assertThat(smtp.smtp("MAIL FROM:<bob@remote.test>")).startsWith("250 ");
            assertThat(smtp.smtp("RCPT TO:<alice@example.test>")).startsWith("250 ");
            assertThat(smtp.smtp("DATA")).startsWith("354 ");
            String stuffed = message.replace("\r\n.", "\r\n..");
            assertThat(smtp.smtp(stuffed + ".")).startsWith("250 2.0.0");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/api/v1/queue").body().contains("\"entries\":[]"));

        try (LineClient pop3 = pop3s()) {
            assertThat(pop3.line()).startsWith("+OK");
            assertThat(pop3.pop3("USER alice@example.test")).startsWith("+OK");
            assertThat(pop3.pop3("PASS a long secret phrase")).startsWith("+OK");
            assertThat(pop3.pop3("STAT")).startsWith("+OK 1 ");
            assertThat(pop3.pop3("RETR 1")).startsWith("+OK");
            String fetched = multiLine(pop3);
            assertThat(fetched).startsWith("Return-Path: <bob@remote.test>\r\nReceived: from client.test")
                    .endsWith(message);
            assertThat(pop3.pop3("DELE 1")).startsWith("+OK");
            assertThat(pop3.pop3("QUIT")).startsWith("+OK");
        }
        try (LineClient pop3 = pop3s()) {
            pop3.line();
            pop3.pop3("USER alice@example.test");
            pop3.pop3("PASS a long secret phrase");
            assertThat(pop3.pop3("STAT")).isEqualTo("+OK 0 0");
        }
    }

    @Test
    void deletionsThroughPop3AndImapAreSeenByTheOtherProtocol() throws Exception {
        server = new ServerProcess(dataDir, logDir);
        server.start("server.log");
        server.post("/api/v1/domains", "{\"name\":\"example.test\"}");
        server.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"a long secret phrase\"}");
        for (String subject : new String[] {"one", "two", "three"}) {
            try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.mxPort()))) {
                smtp.line();
                smtp.smtp("EHLO client.test");
                smtp.smtp("MAIL FROM:<bob@remote.test>");
                smtp.smtp("RCPT TO:<alice@example.test>");
                smtp.smtp("DATA");
                assertThat(smtp.smtp("Subject: " + subject + "\r\n\r\nbody " + subject + "\r\n.")).startsWith("250 ");
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> server.get("/api/v1/queue").body().contains("\"entries\":[]"));

        // POP3 deletes the message "one". Delivery runs on many threads, so the three need not be
        // stored in the order they were sent: each is found by its subject.
        try (LineClient pop3 = pop3s()) {
            pop3.line();
            pop3.pop3("USER alice@example.test");
            pop3.pop3("PASS a long secret phrase");
            assertThat(pop3.pop3("STAT")).startsWith("+OK 3 ");
            int one = 0;
            for (int n = 1; n <= 3 && one == 0; n++) {
                assertThat(pop3.pop3("TOP " + n + " 0")).startsWith("+OK");
                if (multiLine(pop3).contains("Subject: one")) {
                    one = n;
                }
            }
            assertThat(one).as("the message with subject one").isPositive();
            assertThat(pop3.pop3("DELE " + one)).startsWith("+OK");
            assertThat(pop3.pop3("QUIT")).startsWith("+OK");
        }
        // IMAP sees two, and expunges the one with subject "two".
        try (LineClient imap = imaps()) {
            assertThat(imap.line()).startsWith("* OK");
            assertThat(imap(imap, "a LOGIN alice@example.test \"a long secret phrase\"")).last().asString()
                    .startsWith("a OK");
            assertThat(imap(imap, "b SELECT INBOX")).contains("* 2 EXISTS");
            java.util.List<String> found = imap(imap, "c SEARCH SUBJECT two");
            assertThat(found).hasSize(2).last().isEqualTo("c OK SEARCH completed");
            assertThat(found.get(0)).matches("\\* SEARCH [12]");
            String two = found.get(0).substring("* SEARCH ".length());
            assertThat(imap(imap, "d STORE " + two + " +FLAGS.SILENT (\\Deleted)")).containsExactly("d OK STORE completed");
            assertThat(imap(imap, "e EXPUNGE")).containsExactly("* " + two + " EXPUNGE", "e OK EXPUNGE completed");
            assertThat(imap(imap, "f LOGOUT")).contains("f OK LOGOUT completed");
        }
        // POP3 sees only "three".
        try (LineClient pop3 = pop3s()) {
            pop3.line();
            pop3.pop3("USER alice@example.test");
            pop3.pop3("PASS a long secret phrase");
            assertThat(pop3.pop3("STAT")).startsWith("+OK 1 ");
            assertThat(pop3.pop3("TOP 1 0")).startsWith("+OK");
            assertThat(multiLine(pop3)).contains("Subject: three");
        }
    }

    /** Sends a tagged IMAP command; the lines up to its tagged completion. */
    private static java.util.List<String> imap(LineClient client, String command) throws IOException {
        String tag = command.substring(0, command.indexOf(' '));
        client.send(command);
        java.util.List<String> lines = new java.util.ArrayList<>();
        for (String line = client.line(); line != null; line = client.line()) {
            lines.add(line);
            if (line.startsWith(tag + " ")) {
                break;
            }
        }
        return lines;
    }

    private LineClient imaps() throws Exception {
        return server.tls(server.imapTlsPort());
    }

    private LineClient pop3s() throws Exception {
        return server.tls(server.pop3TlsPort());
    }

    /** A POP3 multi-line response, un-stuffed, with CRLF line ends, without the terminating dot. */
    private static String multiLine(LineClient pop3) throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        for (String line = pop3.line(); !".".equals(line); line = pop3.line()) {
            String unstuffed = line.startsWith(".") ? line.substring(1) : line;
            text.writeBytes((unstuffed + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        return text.toString(StandardCharsets.UTF_8);
    }
}
