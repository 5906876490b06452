package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Envelope;
import io.yubin.store.SpoolEntry;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Scripted SMTP conversations over raw sockets, asserting exact reply codes. */
@ExtendWith(BlockedThreadWatch.class)
class SmtpScriptTest {

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

    private static String code(String reply) {
        return reply.substring(0, Math.min(9, reply.length()));
    }

    private SmtpTestClient mx() throws Exception {
        SmtpTestClient c = t.connect(SmtpServer.Mode.MX);
        assertThat(c.reply()).startsWith("220 mx.example.org");
        return c;
    }

    @Test
    void ehloListsTheExtensions() throws Exception {
        try (SmtpTestClient c = mx()) {
            assertThat(c.ehlo()).contains("250-PIPELINING", "250-SIZE 52428800", "250-8BITMIME", "250-SMTPUTF8",
                    "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-CHUNKING", "250 DSN").doesNotContain("AUTH");
        }
    }

    @Test
    void aMessageWithAsManyReceivedFieldsAsALoopMakesIsRefusedAndNotSpooled() throws Exception {
        String hops99 = "Received: from a.example by b.example; Sat, 5 Dec 2026 10:00:00 +0000\r\n".repeat(99);
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.command("MAIL FROM:<sender@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            assertThat(c.command(hops99 + "Subject: 99 hops\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");

            c.command("MAIL FROM:<sender@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            assertThat(c.command(hops99 + "Received: from c.example by a.example; Sat, 5 Dec 2026 10:00:01 +0000\r\n"
                    + "Subject: looping\r\n\r\nbody\r\n."))
                    .isEqualTo("554 5.4.6 Message refused: it has 100 Received fields, a mail loop (too many hops)");
            assertThat(code(c.command("NOOP"))).isEqualTo("250 2.0.0");
        }
        assertThat(t.spooled()).hasSize(1);
    }

    @Test
    void acceptsMailForALocalUserWithTraceHeadersAndDsnParameters() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            assertThat(code(c.command("MAIL FROM:<sender@remote.example> RET=HDRS ENVID=abc+2Bdef BODY=8BITMIME")))
                    .isEqualTo("250 2.1.0");
            assertThat(code(c.command("RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org")))
                    .isEqualTo("250 2.1.5");
            assertThat(code(c.command("DATA"))).startsWith("354");
            String reply = c.command("Subject: hi\r\n\r\n..leading dot\r\nbody\r\n.");
            assertThat(reply).startsWith("250 2.0.0 OK: queued as ");
            String spoolId = reply.substring("250 2.0.0 OK: queued as ".length());
            assertThat(t.queue.ids).extracting(Object::toString).containsExactly(spoolId);
            SpoolEntry entry = t.spooled().get(0);
            assertThat(entry.id().value()).isEqualTo(spoolId);
            assertThat(entry.envelope().dsnReturn()).isEqualTo(Envelope.DsnReturn.HDRS);
            assertThat(entry.envelope().envId()).isEqualTo("abc+def");
            assertThat(entry.envelope().body()).isEqualTo(Envelope.BodyType.EIGHT_BIT_MIME);
            assertThat(entry.envelope().recipients().get(0).notifyOn())
                    .containsExactlyInAnyOrder(Envelope.DsnNotify.SUCCESS, Envelope.DsnNotify.FAILURE);
            assertThat(entry.envelope().recipients().get(0).originalRecipient()).isEqualTo("rfc822;bob@example.org");
            assertThat(entry.client().address()).isEqualTo("127.0.0.1");
            assertThat(entry.client().heloName()).isEqualTo("client.example.net");
            String body = t.body(entry);
            assertThat(body).startsWith("Return-Path: <sender@remote.example>\r\nReceived: from client.example.net ([127.0.0.1])\r\n\tby mx.example.org (Yubin) with ESMTP id " + spoolId);
            assertThat(body).contains("\tfor <bob@example.org>;").endsWith("Subject: hi\r\n\r\n.leading dot\r\nbody\r\n");
            assertThat(body).as("MX does not add Message-ID").doesNotContain("Message-ID:");
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.send("EHLO a.example\r\nMAIL FROM:<x@remote.example>\r\nRCPT TO:<bob@example.org>\r\n"
                    + "RCPT TO:<nobody@example.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n");
            assertThat(c.reply()).startsWith("250-mx.example.org");
            assertThat(code(c.reply())).isEqualTo("250 2.1.0");
            assertThat(code(c.reply())).isEqualTo("250 2.1.5");
            assertThat(code(c.reply())).isEqualTo("550 5.1.1");
            assertThat(code(c.reply())).isEqualTo("250 2.1.5");
            assertThat(c.reply()).startsWith("354");
            c.send("Subject: x\r\n\r\nhello\r\n.\r\nNOOP\r\nQUIT\r\n");
            assertThat(code(c.reply())).isEqualTo("250 2.0.0");
            assertThat(code(c.reply())).isEqualTo("250 2.0.0");
            assertThat(code(c.reply())).isEqualTo("221 2.0.0");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(t.spooled().get(0).envelope().recipients()).hasSize(2);
    }

    @Test
    void refusesUnknownUserAndRelaying() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.command("MAIL FROM:<x@remote.example>");
            assertThat(code(c.command("RCPT TO:<nobody@example.org>"))).isEqualTo("550 5.1.1");
            assertThat(code(c.command("RCPT TO:<someone@elsewhere.example>"))).isEqualTo("550 5.7.1");
            assertThat(code(c.command("RCPT TO:<sales@example.org>"))).as("an alias").isEqualTo("250 2.1.5");
        }
    }

    @Test
    void answersSequenceSyntaxAndMiscCommands() throws Exception {
        try (SmtpTestClient c = mx()) {
            assertThat(code(c.command("MAIL FROM:<x@remote.example>"))).isEqualTo("503 5.5.1");
            assertThat(code(c.command("FOO"))).isEqualTo("500 5.5.2");
            assertThat(code(c.command("HELO"))).isEqualTo("501 5.5.4");
            c.ehlo();
            assertThat(code(c.command("RCPT TO:<bob@example.org>"))).isEqualTo("503 5.5.1");
            assertThat(code(c.command("DATA"))).isEqualTo("503 5.5.1");
            assertThat(code(c.command("MAIL FROM:x@remote.example"))).isEqualTo("501 5.1.7");
            assertThat(code(c.command("MAIL FROM:<x@remote.example> FOO=1"))).isEqualTo("555 5.5.4");
            assertThat(code(c.command("MAIL FROM:<x@remote.example> BODY=9BIT"))).isEqualTo("501 5.5.4");
            assertThat(code(c.command("MAIL FROM:<x@remote.example>"))).isEqualTo("250 2.1.0");
            assertThat(code(c.command("MAIL FROM:<x@remote.example>"))).isEqualTo("503 5.5.1");
            assertThat(code(c.command("RCPT TO:<bob@example.org> NOTIFY=NEVER,SUCCESS"))).isEqualTo("501 5.5.4");
            assertThat(code(c.command("VRFY bob"))).isEqualTo("252 2.5.0");
            assertThat(code(c.command("HELP"))).isEqualTo("214 2.0.0");
            assertThat(code(c.command("NOOP"))).isEqualTo("250 2.0.0");
            assertThat(code(c.command("RSET"))).isEqualTo("250 2.0.0");
            assertThat(code(c.command("RCPT TO:<bob@example.org>"))).isEqualTo("503 5.5.1");
            assertThat(code(c.command("AUTH PLAIN"))).as("no AUTH on MX").isEqualTo("502 5.5.1");
            assertThat(code(c.command("QUIT"))).isEqualTo("221 2.0.0");
        }
    }

    @Test
    void refusesOverSizeAndTooManyRecipients() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            assertThat(code(c.command("MAIL FROM:<x@remote.example> SIZE=52428801"))).isEqualTo("552 5.3.4");
            c.command("MAIL FROM:<x@remote.example> SIZE=1000");
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < 101; i++) {
                pipeline.append("RCPT TO:<bob@example.org>\r\n");
            }
            c.send(pipeline.toString());
            for (int i = 0; i < 100; i++) {
                assertThat(code(c.reply())).isEqualTo("250 2.1.5");
            }
            assertThat(code(c.reply())).isEqualTo("452 4.5.3");
        }
    }

    @Test
    void refusesBareLineFeedAndBareCarriageReturnInCommands() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.send("NOOP\nNOOP\r\n");
            assertThat(c.reply()).isEqualTo("500 5.5.2 Bare LF not allowed, lines end with CRLF");
            c.send("NOOP\rNOOP\r\n");
            assertThat(code(c.reply())).isEqualTo("500 5.5.2");
            assertThat(code(c.command("NOOP"))).isEqualTo("250 2.0.0");
        }
    }

    @Test
    void refusesBareLineFeedInDataAndSpoolsNothing() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.command("MAIL FROM:<x@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            // The smuggling attempt: <LF>.<LF> must not end the data, and the message is refused.
            c.send("Subject: a\r\n\r\nfirst\n.\nMAIL FROM:<evil@remote.example>\r\nsecond\r\n.\r\n");
            assertThat(code(c.reply())).isEqualTo("550 5.5.2");
            assertThat(code(c.command("NOOP"))).isEqualTo("250 2.0.0");
            c.command("MAIL FROM:<x@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            c.send("Subject: b\r\n\r\nbare\rcr\r\n.\r\n");
            assertThat(code(c.reply())).isEqualTo("550 5.5.2");
        }
        assertThat(t.spooled()).isEmpty();
        assertThat(t.queue.ids).isEmpty();
    }

    @Test
    void refusesOverlongLines() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            assertThat(c.command("NOOP " + "x".repeat(1000))).isEqualTo("500 5.5.2 Line too long");
            c.command("MAIL FROM:<x@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            c.send("Subject: a\r\n\r\n" + "y".repeat(998) + "\r\n" + "z".repeat(999) + "\r\n.\r\n");
            assertThat(code(c.reply())).isEqualTo("554 5.6.0");
        }
        assertThat(t.spooled()).isEmpty();
    }

    @Test
    void refusesABodyOverTheSizeLimitAfterTheEndOfData() throws Exception {
        t.close();
        t = new TestServer(dir.resolve("small"), new SmtpLimits(2000, 100, 20, 1000, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 1024), false);
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.command("MAIL FROM:<x@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            c.send(("a".repeat(99) + "\r\n").repeat(30) + ".\r\n");
            assertThat(code(c.reply())).isEqualTo("552 5.3.4");
        }
        assertThat(t.spooled()).isEmpty();
    }

    @Test
    void acceptsBdatChunksIncludingBinaryMime() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.command("MAIL FROM:<x@remote.example> BODY=BINARYMIME");
            c.command("RCPT TO:<bob@example.org>");
            assertThat(code(c.command("DATA"))).as("BINARYMIME needs BDAT").isEqualTo("503 5.5.1");
            byte[] first = "Subject: b\r\n\r\nbin\0ary\n".getBytes(StandardCharsets.ISO_8859_1);
            c.send("BDAT " + first.length + "\r\n");
            c.sendBytes(first);
            assertThat(c.reply()).isEqualTo("250 2.0.0 " + first.length + " octets received");
            c.send("BDAT 5 LAST\r\nend\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0 OK: queued as");
            // BDAT 0 LAST with nothing else and a wrong sequence.
            assertThat(code(c.command("BDAT 0 LAST"))).isEqualTo("503 5.5.1");
        }
        SpoolEntry entry = t.spooled().get(0);
        assertThat(entry.envelope().body()).isEqualTo(Envelope.BodyType.BINARY_MIME);
        assertThat(t.body(entry)).endsWith("Subject: b\r\n\r\nbin\0ary\nend\r\n");
    }

    @Test
    void commandTimeoutEndsTheSessionWith421() throws Exception {
        t.close();
        t = new TestServer(dir.resolve("timeouts"), new SmtpLimits(1 << 20, 100, 20, 1000, Duration.ofMillis(300),
                Duration.ofMillis(300), 1024), false);
        try (SmtpTestClient c = mx()) {
            assertThat(code(c.reply())).isEqualTo("421 4.4.2");
            assertThat(c.closedByServer()).isTrue();
        }
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.command("MAIL FROM:<x@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            c.send("Subject: slow\r\n");
            assertThat(code(c.reply())).as("data block timeout").isEqualTo("421 4.4.2");
        }
        assertThat(t.spooled()).isEmpty();
    }

    @Test
    void capsConnectionsPerClientAddress() throws Exception {
        t.close();
        t = new TestServer(dir.resolve("cap"), new SmtpLimits(1 << 20, 100, 2, 1000, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 1024), false);
        try (SmtpTestClient a = mx(); SmtpTestClient b = mx();
                SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(code(c.reply())).isEqualTo("421 4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
        // The server notices the closes asynchronously; the slots come back soon after.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (SmtpTestClient again = t.connect(SmtpServer.Mode.MX)) {
                assertThat(again.reply()).as("slots are released on close").startsWith("220");
            }
        });
    }

    @Test
    void submissionRequiresTlsForAuthAndAuthForMail() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            c.reply();
            assertThat(c.ehlo()).contains("STARTTLS").doesNotContain("AUTH");
            assertThat(code(c.command("AUTH PLAIN " + SmtpTestClient.plain("alice@example.org", TestServer.PASSWORD))))
                    .isEqualTo("538 5.7.1");
            assertThat(code(c.command("MAIL FROM:<alice@example.org>"))).isEqualTo("530 5.7.0");
            assertThat(code(c.command("STARTTLS"))).isEqualTo("220 2.0.0");
            c.startTls();
            assertThat(code(c.command("MAIL FROM:<alice@example.org>"))).as("EHLO again after TLS").isEqualTo("503 5.5.1");
            assertThat(c.ehlo()).contains("250-AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            assertThat(code(c.command("MAIL FROM:<alice@example.org>"))).isEqualTo("530 5.7.0");
            assertThat(code(c.command("STARTTLS"))).isEqualTo("503 5.5.1");
        }
    }

    @Test
    void requireTlsIsOfferedAndTakenOnlyInsideTlsAndTravelsWithTheEntry() throws Exception {
        try (SmtpTestClient c = mx()) {
            assertThat(c.ehlo()).doesNotContain("REQUIRETLS");
            assertThat(c.command("MAIL FROM:<sender@remote.example> REQUIRETLS"))
                    .isEqualTo("530 5.7.10 REQUIRETLS needs a TLS session: issue STARTTLS first");
            assertThat(code(c.command("MAIL FROM:<sender@remote.example> REQUIRETLS=YES"))).isEqualTo("501 5.5.4");
            c.command("STARTTLS");
            c.startTls();
            assertThat(c.ehlo()).contains("250-REQUIRETLS");
            assertThat(code(c.command("MAIL FROM:<sender@remote.example> REQUIRETLS"))).isEqualTo("250 2.1.0");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            // REQUIRETLS wins over the header field (RFC 8689 §4.2.2).
            assertThat(c.command("TLS-Required: No\r\nSubject: secret\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");

            c.command("MAIL FROM:<sender@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            assertThat(c.command("Subject: whatever\r\nTLS-Required:\r\n  no\r\n\r\nbody\r\n.")).startsWith("250 2.0.0");

            c.command("MAIL FROM:<sender@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            assertThat(c.command("Subject: plain\r\nX-TLS-Required: No\r\n\r\nTLS-Required: No\r\n.")).startsWith("250 2.0.0");
        }
        assertThat(t.spooled()).extracting(e -> e.envelope().tls()).containsExactly(Envelope.TlsRequirement.REQUIRETLS,
                Envelope.TlsRequirement.TLS_OPTIONAL, Envelope.TlsRequirement.POLICY);
    }

    @Test
    void startTlsDiscardsPipelinedPlaintext() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            c.reply();
            c.ehlo();
            // An attacker injects a command behind STARTTLS; it must not run inside the TLS session.
            c.send("STARTTLS\r\nMAIL FROM:<injected@remote.example>\r\n");
            assertThat(code(c.reply())).isEqualTo("220 2.0.0");
            c.startTls();
            c.ehlo();
            assertThat(code(c.command("RCPT TO:<bob@example.org>"))).isEqualTo("503 5.5.1");
        }
    }

    @Test
    void submissionAcceptsAuthenticatedMailWithOwnedSendersAndAddsHeaders() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(c.tlsAndLogin("alice@example.org", TestServer.PASSWORD)).isEqualTo("235 2.7.0 Authentication successful");
            assertThat(code(c.command("MAIL FROM:<bob@example.org>"))).isEqualTo("553 5.7.1");
            assertThat(code(c.command("MAIL FROM:<>"))).isEqualTo("553 5.7.1");
            assertThat(code(c.command("MAIL FROM:<sales@example.org>"))).as("alias of alice").isEqualTo("250 2.1.0");
            c.command("RSET");
            assertThat(code(c.command("MAIL FROM:<alice@example.org>"))).isEqualTo("250 2.1.0");
            assertThat(code(c.command("RCPT TO:<friend@elsewhere.example>"))).as("relay when authenticated").isEqualTo("250 2.1.5");
            assertThat(code(c.command("RCPT TO:<nobody@example.org>"))).isEqualTo("550 5.1.1");
            c.command("DATA");
            assertThat(c.command("Subject: no ids\r\n\r\nhello\r\n.")).startsWith("250 2.0.0");
        }
        SpoolEntry entry = t.spooled().get(0);
        assertThat(entry.client().authenticatedUser()).isEqualTo("alice@example.org");
        String body = t.body(entry);
        assertThat(body).startsWith("Return-Path: <alice@example.org>\r\nReceived: ");
        assertThat(body).contains(" with ESMTPSA id ", "(version=TLSv1.3 cipher=TLS_", "\tfor <friend@elsewhere.example>;",
                "\r\nMessage-ID: <" + entry.id().value() + "@mx.example.org>\r\n", "\r\nDate: ");
    }

    @Test
    void submissionKeepsTheClientsMessageIdAndDate() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            c.tlsAndLogin("alice@example.org", TestServer.PASSWORD);
            c.command("MAIL FROM:<alice@example.org>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            assertThat(c.command("message-id: <own@client>\r\nDATE: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nhi\r\n.")).startsWith("250");
        }
        String body = t.body(t.spooled().get(0));
        assertThat(body).doesNotContain("Message-ID:").doesNotContain("Date:");
    }

    @Test
    void wrongPasswordsGet535ThenTheConnectionIsClosedThenTheAccountIsThrottled() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(code(c.tlsAndLogin("bob@example.org", "wrong"))).isEqualTo("535 5.7.8");
            assertThat(code(c.command("AUTH PLAIN " + SmtpTestClient.plain("bob@example.org", "wrong")))).isEqualTo("535 5.7.8");
            assertThat(code(c.command("AUTH PLAIN " + SmtpTestClient.plain("bob@example.org", "wrong")))).isEqualTo("421 4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(code(c.tlsAndLogin("bob@example.org", "wrong"))).isEqualTo("535 5.7.8");
            assertThat(code(c.command("AUTH PLAIN " + SmtpTestClient.plain("bob@example.org", "wrong")))).isEqualTo("535 5.7.8");
            // Five failures: the account is locked, even for the right password.
            assertThat(code(c.command("AUTH PLAIN " + SmtpTestClient.plain("bob@example.org", TestServer.PASSWORD))))
                    .isEqualTo("454 4.7.0");
        }
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(c.tlsAndLogin("alice@example.org", TestServer.PASSWORD)).as("other accounts unaffected").startsWith("235");
        }
    }

    @Test
    void authLoginAndCancellation() throws Exception {
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            c.reply();
            c.ehlo();
            c.command("STARTTLS");
            c.startTls();
            c.ehlo();
            assertThat(c.command("AUTH PLAIN")).isEqualTo("334 ");
            assertThat(code(c.command("*"))).isEqualTo("501 5.0.0");
            assertThat(c.command("AUTH LOGIN")).isEqualTo("334 VXNlcm5hbWU6");
            assertThat(c.command(b64("alice@example.org"))).isEqualTo("334 UGFzc3dvcmQ6");
            assertThat(code(c.command(b64(TestServer.PASSWORD)))).isEqualTo("235 2.7.0");
            assertThat(code(c.command("AUTH LOGIN"))).isEqualTo("503 5.5.1");
        }
    }

    private static String b64(String s) {
        return java.util.Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void implicitTlsSubmission() throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connectTls(t.port(SmtpServer.Mode.SUBMISSIONS))) {
            assertThat(c.reply()).startsWith("220");
            assertThat(c.ehlo()).contains("AUTH PLAIN LOGIN").doesNotContain("STARTTLS");
            assertThat(code(c.command("AUTH PLAIN " + SmtpTestClient.plain("alice@example.org", TestServer.PASSWORD))))
                    .isEqualTo("235 2.7.0");
        }
    }

    @Test
    void storeFailureGives451AndSpoolsNothing() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            c.command("MAIL FROM:<x@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            t.storage.close();
            assertThat(code(c.command("Subject: x\r\n\r\nbody\r\n."))).isEqualTo("451 4.3.0");
            assertThat(code(c.command("RCPT TO:<bob@example.org>"))).isEqualTo("503 5.5.1");
        }
        assertThat(t.queue.ids).isEmpty();
        // Reopen the same data directory: nothing was spooled.
        try (var reopened = io.yubin.store.embedded.EmbeddedStorage.open(dir.resolve("data"))) {
            assertThat(reopened.spool().unfinished(null, 10).toCompletableFuture().get()).isEmpty();
        }
    }

    @Test
    void proxyProtocolV2SetsTheClientAddress() throws Exception {
        t.close();
        t = new TestServer(dir.resolve("proxy"), SmtpLimits.defaults(), true);
        byte[] header = proxyV2(new byte[] {(byte) 203, 0, 113, 7}, new byte[] {10, 0, 0, 1}, 40000, 25);
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), header)) {
            assertThat(c.reply()).startsWith("220");
            c.ehlo();
            c.command("MAIL FROM:<x@remote.example>");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            assertThat(c.command("Subject: p\r\n\r\nx\r\n.")).startsWith("250");
        }
        SpoolEntry entry = t.spooled().get(0);
        assertThat(entry.client().address()).isEqualTo("203.0.113.7");
        assertThat(t.body(entry)).contains("([203.0.113.7])");
    }

    /** PROXY protocol v2 (haproxy proxy-protocol.txt §2.2), PROXY command, TCP over IPv4. */
    static byte[] proxyV2(byte[] source, byte[] destination, int sourcePort, int destinationPort) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + 12);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        b.put(source).put(destination).putShort((short) sourcePort).putShort((short) destinationPort);
        return b.array();
    }

    @Test
    void smtpUtf8AddressesNeedTheParameter() throws Exception {
        try (SmtpTestClient c = mx()) {
            c.ehlo();
            assertThat(code(c.command("MAIL FROM:<jösé@remote.example>"))).isEqualTo("553 5.6.7");
            assertThat(code(c.command("MAIL FROM:<jösé@remote.example> SMTPUTF8"))).isEqualTo("250 2.1.0");
            c.command("RCPT TO:<bob@example.org>");
            c.command("DATA");
            assertThat(c.command("Subject: ü\r\n\r\nx\r\n.")).startsWith("250");
        }
        List<SpoolEntry> entries = t.spooled();
        assertThat(entries.get(0).envelope().smtpUtf8()).isTrue();
        assertThat(t.body(entries.get(0))).contains(" with UTF8SMTP id ");
    }
}
