package io.yubin.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.store.AccountLockout;
import io.yubin.store.MessageRecord;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The protocol, line by line, against a real server, store, accounts and Hazelcast locks. */
class Pop3ProtocolTest {

    static final String GREETING = "+OK pop.example.test POP3 server ready";
    static final String BYE = "+OK pop.example.test POP3 server signing off";

    static final String FIRST = "Return-Path: <bob@example.org>\r\n"
            + "Received: from client.example.org by pop.example.test; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
            + "From: bob@example.org\r\nTo: alice@example.test\r\nSubject: one\r\n\r\n"
            + "Hello\r\n.hidden dot line\r\n..two dots\r\n.\r\nend\r\n";
    /** Its last line has no CRLF (as an IMAP APPEND may store it). */
    static final String SECOND = "Subject: two\r\n\r\nlast line without end";
    static final String THIRD = "Subject: three\r\n\r\nline1\r\nline2\r\nline3\r\n";

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private Pop3Harness pop3;
    private MailAddress alice;
    private final List<Long> uids = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        pop3 = new Pop3Harness(dir);
        alice = pop3.addUser("alice");
        uids.add(pop3.deliver(alice, FIRST));
        uids.add(pop3.deliver(alice, SECOND));
        uids.add(pop3.deliver(alice, THIRD));
    }

    @AfterEach
    void stop() throws Exception {
        pop3.close();
    }

    private static int octets(String message) {
        return message.getBytes(StandardCharsets.UTF_8).length;
    }

    private static int total() {
        return octets(FIRST) + octets(SECOND) + octets(THIRD);
    }

    /** Over implicit TLS, logged in as alice. */
    private RawPop3Client login() throws Exception {
        RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls());
        assertThat(client.line()).isEqualTo(GREETING);
        assertThat(client.command("USER alice@example.test")).isEqualTo("+OK send PASS");
        assertThat(client.command("PASS " + Pop3Harness.PASSWORD)).startsWith("+OK maildrop has ");
        return client;
    }

    /**
     * Logs in once the earlier session of the same user has released the maildrop: the lock is
     * released after the connection closes, so the test waits for that event, bounded, and then
     * expects the login to succeed at the first try.
     */
    private RawPop3Client loginWhenFree() throws Exception {
        awaitMaildropFree();
        return login();
    }

    private void awaitMaildropFree() {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> !pop3.maildropLocked(alice));
    }

    @Test
    void greetsAndListsCapabilitiesWithoutUserOrSaslBeforeTls() throws Exception {
        try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            assertThat(client.line()).isEqualTo(GREETING);
            assertThat(client.command("CAPA")).isEqualTo("+OK capability list follows");
            assertThat(client.lines()).containsExactly("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                    "STLS", "IMPLEMENTATION Yubin");
            assertThat(client.command("QUIT")).isEqualTo(BYE);
            assertThat(client.closedByServer(5000)).isTrue();
        }
    }

    @Test
    void repeatedFailedLoginsAreThrottledEvenWithTheRightPassword() throws Exception {
        pop3.addUser("carol");
        try (RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
            client.line();
            // AccountLockout.Policy.DEFAULT: ten failures within 15 minutes lock the account.
            for (int i = 0; i < AccountLockout.Policy.DEFAULT.failures(); i++) {
                assertThat(client.command("USER carol@example.test")).isEqualTo("+OK send PASS");
                assertThat(client.command("PASS wrong password " + i)).isEqualTo("-ERR [AUTH] invalid credentials");
            }
            assertThat(client.command("USER carol@example.test")).isEqualTo("+OK send PASS");
            assertThat(client.command("PASS " + Pop3Harness.PASSWORD))
                    .isEqualTo("-ERR [SYS/TEMP] too many failed logins, try again later");
        }
    }

    @Test
    void refusesUserPassAndAuthBeforeTls() throws Exception {
        try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.line();
            String refused = "-ERR [AUTH] authentication needs TLS, use STLS first";
            assertThat(client.command("USER alice@example.test")).isEqualTo(refused);
            assertThat(client.command("PASS " + Pop3Harness.PASSWORD)).isEqualTo(refused);
            assertThat(client.command("AUTH PLAIN " + plain("alice@example.test", Pop3Harness.PASSWORD)))
                    .isEqualTo(refused);
            assertThat(client.command("AUTH")).isEqualTo(refused);
        }
    }

    @Test
    void stlsUpgradesAndThenOffersUserAndSasl() throws Exception {
        try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.line();
            assertThat(client.command("STLS")).isEqualTo("+OK Begin TLS negotiation");
            client.startTls(pop3.clientTls());
            assertThat(client.command("CAPA")).isEqualTo("+OK capability list follows");
            assertThat(client.lines()).containsExactly("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                    "USER", "SASL PLAIN", "IMPLEMENTATION Yubin");
            assertThat(client.command("STLS")).isEqualTo("-ERR TLS is already active");
            assertThat(client.command("USER alice@example.test")).isEqualTo("+OK send PASS");
            assertThat(client.command("PASS " + Pop3Harness.PASSWORD))
                    .isEqualTo("+OK maildrop has 3 messages (" + total() + " octets)");
            assertThat(client.command("CAPA")).isEqualTo("+OK capability list follows");
            assertThat(client.lines()).containsExactly("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                    "IMPLEMENTATION Yubin");
            assertThat(client.command("QUIT")).isEqualTo(BYE);
        }
    }

    @Test
    void stlsDiscardsCommandsPipelinedBehindIt() throws Exception {
        try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.line();
            client.send("USER alice@example.test\r\n");
            assertThat(client.line()).startsWith("-ERR [AUTH]");
            client.send("STLS\r\nCAPA\r\nUSER mallory@example.test\r\n");
            assertThat(client.line()).isEqualTo("+OK Begin TLS negotiation");
            client.startTls(pop3.clientTls());
            // Had the plaintext CAPA or USER survived, their answers would come first.
            assertThat(client.command("PASS " + Pop3Harness.PASSWORD)).isEqualTo("-ERR send USER first");
            assertThat(client.command("QUIT")).isEqualTo(BYE);
        }
    }

    @Test
    void stlsIsRefusedOnTheTlsPort() throws Exception {
        try (RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
            client.line();
            assertThat(client.command("STLS")).isEqualTo("-ERR TLS is already active");
            assertThat(client.command("CAPA")).isEqualTo("+OK capability list follows");
            assertThat(client.lines()).doesNotContain("STLS").contains("USER", "SASL PLAIN");
        }
    }

    @Test
    void statListAndUidlCountOctetsExactly() throws Exception {
        try (RawPop3Client client = login()) {
            assertThat(client.command("STAT")).isEqualTo("+OK 3 " + total());
            assertThat(client.command("LIST")).isEqualTo("+OK 3 messages (" + total() + " octets)");
            assertThat(client.lines()).containsExactly("1 " + octets(FIRST), "2 " + octets(SECOND),
                    "3 " + octets(THIRD));
            assertThat(client.command("LIST 2")).isEqualTo("+OK 2 " + octets(SECOND));
            long validity = pop3.uidValidity(alice);
            assertThat(client.command("UIDL")).isEqualTo("+OK unique-id listing follows");
            assertThat(client.lines()).containsExactly("1 " + validity + "." + uids.get(0),
                    "2 " + validity + "." + uids.get(1), "3 " + validity + "." + uids.get(2));
            assertThat(client.command("UIDL 3")).isEqualTo("+OK 3 " + validity + "." + uids.get(2));
            assertThat(client.command("NOOP")).isEqualTo("+OK nothing done");
        }
    }

    @Test
    void retrByteStuffsDotLinesAndServesTheStoredOctets() throws Exception {
        try (RawPop3Client client = login()) {
            assertThat(client.command("RETR 1")).isEqualTo("+OK " + octets(FIRST) + " octets");
            byte[] raw = client.rawBody();
            assertThat(new String(raw, StandardCharsets.UTF_8)).isEqualTo(FIRST
                    .replace("\r\n.hidden", "\r\n..hidden").replace("\r\n..two", "\r\n...two")
                    .replace("\r\n.\r\nend", "\r\n..\r\nend") + ".\r\n");
            assertThat(RawPop3Client.unstuff(raw)).isEqualTo(FIRST.getBytes(StandardCharsets.UTF_8));
            assertThat(client.command("RETR 3")).isEqualTo("+OK " + octets(THIRD) + " octets");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8)).isEqualTo(THIRD + ".\r\n");
        }
    }

    @Test
    void retrEndsALastLineWithoutCrlfBeforeTheTerminator() throws Exception {
        try (RawPop3Client client = login()) {
            assertThat(client.command("RETR 2")).isEqualTo("+OK " + octets(SECOND) + " octets");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8)).isEqualTo(SECOND + "\r\n.\r\n");
        }
    }

    @Test
    void topSendsTheHeaderTheBlankLineAndTheAskedBodyLines() throws Exception {
        try (RawPop3Client client = login()) {
            assertThat(client.command("TOP 3 0")).isEqualTo("+OK top of message follows");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8)).isEqualTo("Subject: three\r\n\r\n.\r\n");
            assertThat(client.command("TOP 3 2")).isEqualTo("+OK top of message follows");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8))
                    .isEqualTo("Subject: three\r\n\r\nline1\r\nline2\r\n.\r\n");
            assertThat(client.command("TOP 3 99")).isEqualTo("+OK top of message follows");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8)).isEqualTo(THIRD + ".\r\n");
            assertThat(client.command("TOP 1 2")).isEqualTo("+OK top of message follows");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8)).endsWith(
                    "Subject: one\r\n\r\nHello\r\n..hidden dot line\r\n.\r\n");
            assertThat(client.command("TOP 2 5")).isEqualTo("+OK top of message follows");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8)).isEqualTo(SECOND + "\r\n.\r\n");
        }
    }

    @Test
    void deleMarksRsetUnmarksAndOnlyQuitRemoves() throws Exception {
        try (RawPop3Client client = login()) {
            assertThat(client.command("DELE 1")).isEqualTo("+OK message 1 deleted");
            assertThat(client.command("STAT")).isEqualTo("+OK 2 " + (octets(SECOND) + octets(THIRD)));
            assertThat(client.command("LIST 1")).isEqualTo("-ERR message 1 is deleted");
            assertThat(client.command("RETR 1")).isEqualTo("-ERR message 1 is deleted");
            assertThat(client.command("TOP 1 0")).isEqualTo("-ERR message 1 is deleted");
            assertThat(client.command("UIDL 1")).isEqualTo("-ERR message 1 is deleted");
            assertThat(client.command("DELE 1")).isEqualTo("-ERR message 1 is deleted");
            assertThat(client.command("LIST")).startsWith("+OK 2 messages");
            assertThat(client.lines()).containsExactly("2 " + octets(SECOND), "3 " + octets(THIRD));
            assertThat(client.command("RSET")).isEqualTo("+OK maildrop has 3 messages (" + total() + " octets)");
            assertThat(client.command("RETR 1")).startsWith("+OK");
            client.rawBody();
            assertThat(client.command("DELE 1")).isEqualTo("+OK message 1 deleted");
            assertThat(client.command("DELE 3")).isEqualTo("+OK message 3 deleted");
            assertThat(pop3.messages(alice)).hasSize(3);
            assertThat(client.command("QUIT")).isEqualTo(BYE + " (2 messages deleted)");
            assertThat(client.closedByServer(5000)).isTrue();
        }
        assertThat(pop3.messages(alice)).extracting(MessageRecord::uid).containsExactly(uids.get(1));
    }

    @Test
    void aDroppedConnectionDeletesNothingAndFreesTheMaildrop() throws Exception {
        RawPop3Client dropped = login();
        assertThat(dropped.command("DELE 1")).startsWith("+OK");
        assertThat(dropped.command("DELE 2")).startsWith("+OK");
        dropped.close();
        try (RawPop3Client client = loginWhenFree()) {
            assertThat(client.command("STAT")).isEqualTo("+OK 3 " + total());
        }
        assertThat(pop3.messages(alice)).hasSize(3);
    }

    @Test
    void aSecondSessionOnTheSameMaildropIsInUse() throws Exception {
        try (RawPop3Client first = login();
                RawPop3Client second = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
            second.line();
            second.command("USER alice@example.test");
            assertThat(second.command("PASS " + Pop3Harness.PASSWORD))
                    .isEqualTo("-ERR [IN-USE] the maildrop is in use by another session");
            assertThat(second.command("AUTH PLAIN " + plain("alice@example.test", Pop3Harness.PASSWORD)))
                    .isEqualTo("-ERR [IN-USE] the maildrop is in use by another session");
            assertThat(first.command("QUIT")).isEqualTo(BYE);
            assertThat(first.closedByServer(5000)).isTrue();
            second.command("USER alice@example.test");
            assertThat(second.command("PASS " + Pop3Harness.PASSWORD)).startsWith("+OK maildrop has 3 messages");
        }
    }

    @Test
    void uidlValuesStayTheSameAcrossSessionsAndNewMessagesGetNewOnes() throws Exception {
        List<String> before;
        try (RawPop3Client client = login()) {
            client.command("UIDL");
            before = client.lines();
            assertThat(client.command("DELE 1")).startsWith("+OK");
            client.command("QUIT");
        }
        long fourth = pop3.deliver(alice, "Subject: four\r\n\r\nnew\r\n");
        try (RawPop3Client client = loginWhenFree()) {
            client.command("UIDL");
            List<String> after = client.lines();
            String validity = String.valueOf(pop3.uidValidity(alice));
            assertThat(after).containsExactly("1 " + before.get(1).substring(2), "2 " + before.get(2).substring(2),
                    "3 " + validity + "." + fourth);
            assertThat(fourth).isGreaterThan(uids.get(2));
        }
    }

    @Test
    void answersPipelinedCommandsInOrder() throws Exception {
        try (RawPop3Client client = login()) {
            client.send("STAT\r\nLIST 2\r\nRETR 3\r\nUIDL 1\r\nBOGUS\r\nDELE 2\r\nNOOP\r\n");
            assertThat(client.line()).isEqualTo("+OK 3 " + total());
            assertThat(client.line()).isEqualTo("+OK 2 " + octets(SECOND));
            assertThat(client.line()).isEqualTo("+OK " + octets(THIRD) + " octets");
            assertThat(new String(client.rawBody(), StandardCharsets.UTF_8)).isEqualTo(THIRD + ".\r\n");
            assertThat(client.line()).startsWith("+OK 1 ");
            assertThat(client.line()).isEqualTo("-ERR unknown command");
            assertThat(client.line()).isEqualTo("+OK message 2 deleted");
            assertThat(client.line()).isEqualTo("+OK nothing done");
        }
    }

    @Test
    void answersBadCommandsWithErrAndKeepsTheSession() throws Exception {
        try (RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
            client.line();
            assertThat(client.command("FOO")).isEqualTo("-ERR unknown command");
            assertThat(client.command("")).isEqualTo("-ERR empty command");
            assertThat(client.command("APOP alice@example.test 0123456789abcdef")).isEqualTo("-ERR APOP is not supported");
            assertThat(client.command("STAT")).isEqualTo("-ERR STAT is not valid before login");
            assertThat(client.command("STAT now")).isEqualTo("-ERR STAT takes no arguments");
            assertThat(client.command("RETR 1")).isEqualTo("-ERR RETR is not valid before login");
            assertThat(client.command("PASS " + Pop3Harness.PASSWORD)).isEqualTo("-ERR send USER first");
            assertThat(client.command("USER alice@example.test")).isEqualTo("+OK send PASS");
            assertThat(client.command("PASS wrong password")).isEqualTo("-ERR [AUTH] invalid credentials");
            assertThat(client.command("USER alice@example.test")).isEqualTo("+OK send PASS");
            assertThat(client.command("PASS " + Pop3Harness.PASSWORD)).startsWith("+OK");
        }
        try (RawPop3Client client = loginWhenFree()) {
            assertThat(client.command("USER bob@example.test")).isEqualTo("-ERR USER is not valid after login");
            assertThat(client.command("STLS")).isEqualTo("-ERR STLS is not valid after login");
            assertThat(client.command("RETR 4")).isEqualTo("-ERR no such message, only 3 in the maildrop");
            assertThat(client.command("DELE 99999999999")).isEqualTo("-ERR no such message, only 3 in the maildrop");
            assertThat(client.command("RETR 0")).isEqualTo("-ERR invalid message number");
            assertThat(client.command("RETR x")).isEqualTo("-ERR invalid message number");
            assertThat(client.command("RETR")).isEqualTo("-ERR RETR takes exactly one message number");
            assertThat(client.command("LIST 1 2")).isEqualTo("-ERR LIST takes at most one message number");
            assertThat(client.command("TOP 1")).isEqualTo("-ERR TOP takes a message number and a line count");
            // Nine bad commands in this session: one more would end it.
            assertThat(client.command("STAT")).isEqualTo("+OK 3 " + total());
        }
    }

    @Test
    void answersAnOverlongLineWithErrAndKeepsTheSession() throws Exception {
        try (RawPop3Client client = login()) {
            assertThat(client.command("NOOP " + "x".repeat(300))).isEqualTo("-ERR line too long");
            assertThat(client.command("LIST " + "1".repeat(5000))).isEqualTo("-ERR line too long");
            // 253 octets plus CRLF is the longest command RFC 2449 §4 allows.
            assertThat(client.command("NOOP" + " ".repeat(249))).isEqualTo("+OK nothing done");
            assertThat(client.command("NOOP" + " ".repeat(250))).isEqualTo("-ERR line too long");
            assertThat(client.command("STAT")).isEqualTo("+OK 3 " + total());
        }
    }

    @Test
    void closesOnAnEndlessLine() throws Exception {
        try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.line();
            // Exactly enough to trip the limit, so no unread input turns the close into a reset.
            byte[] junk = new byte[Math.toIntExact(Pop3Connection.MAX_DISCARD) + 1];
            java.util.Arrays.fill(junk, (byte) 'a');
            client.send(junk);
            assertThat(client.line()).isEqualTo("-ERR line too long, closing");
            assertThat(client.closedByServer(5000)).isTrue();
        }
    }

    @Test
    void closesAfterTenBadCommandsInARow() throws Exception {
        try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.line();
            // A command answered +OK ends the run: a long session's scattered errors never add up.
            for (int i = 1; i < Pop3Session.MAX_BAD_COMMANDS; i++) {
                assertThat(client.command("XYZZY")).isEqualTo("-ERR unknown command");
            }
            assertThat(client.command("CAPA")).startsWith("+OK");
            client.lines();
            for (int i = 1; i < Pop3Session.MAX_BAD_COMMANDS; i++) {
                assertThat(client.command("XYZZY")).isEqualTo("-ERR unknown command");
            }
            assertThat(client.command("XYZZY")).isEqualTo("-ERR unknown command (too many bad commands, closing)");
            assertThat(client.closedByServer(5000)).isTrue();
        }
    }

    @Test
    void authPlainWithAndWithoutInitialResponse() throws Exception {
        try (RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
            client.line();
            assertThat(client.command("AUTH")).isEqualTo("+OK SASL mechanisms follow");
            assertThat(client.lines()).containsExactly("PLAIN");
            assertThat(client.command("AUTH CRAM-MD5")).isEqualTo("-ERR unsupported SASL mechanism");
            assertThat(client.command("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(client.command("*")).isEqualTo("-ERR authentication cancelled");
            assertThat(client.command("AUTH PLAIN !!!")).isEqualTo("-ERR [AUTH] the SASL response is not valid base64");
            assertThat(client.command("AUTH PLAIN =")).isEqualTo("-ERR [AUTH] malformed PLAIN response");
            assertThat(client.command("AUTH PLAIN " + plain("alice@example.test", "wrong password")))
                    .isEqualTo("-ERR [AUTH] invalid credentials");
            String otherAuthzid = Base64.getEncoder().encodeToString(
                    ("bob@example.test\0alice@example.test\0" + Pop3Harness.PASSWORD).getBytes(StandardCharsets.UTF_8));
            assertThat(client.command("AUTH PLAIN " + otherAuthzid))
                    .isEqualTo("-ERR [AUTH] the authorization identity must be empty or the login");
            assertThat(client.command("AUTH PLAIN")).isEqualTo("+ ");
            assertThat(client.command(plain("alice@example.test", Pop3Harness.PASSWORD)))
                    .isEqualTo("+OK maildrop has 3 messages (" + total() + " octets)");
            assertThat(client.command("QUIT")).isEqualTo(BYE);
        }
        try (RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
            client.line();
            awaitMaildropFree();
            String answer = client.command("AUTH PLAIN " + plain("alice@example.test", Pop3Harness.PASSWORD));
            assertThat(answer).isEqualTo("+OK maildrop has 3 messages (" + total() + " octets)");
        }
    }

    @Test
    void streamsALargeMessageExactly() throws Exception {
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        big.writeBytes("Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; big.size() < 6_000_000; i++) {
            big.writeBytes(((i % 7 == 0 ? "." : "") + "line " + i + " " + "z".repeat(i % 90) + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        byte[] message = big.toByteArray();
        pop3.deliver(alice, message);
        try (RawPop3Client client = login()) {
            assertThat(client.command("LIST 4")).isEqualTo("+OK 4 " + message.length);
            assertThat(client.command("RETR 4")).isEqualTo("+OK " + message.length + " octets");
            assertThat(RawPop3Client.unstuff(client.rawBody())).isEqualTo(message);
            assertThat(client.command("NOOP")).isEqualTo("+OK nothing done");
        }
    }

    @Test
    void quitBeforeLoginSignsOffWithoutTouchingAnything() throws Exception {
        try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.line();
            assertThat(client.command("QUIT")).isEqualTo(BYE);
            assertThat(client.closedByServer(5000)).isTrue();
        }
        assertThat(pop3.messages(alice)).hasSize(3);
    }

    static String plain(String login, String password) {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode("\0" + login + "\0" + password);
        byte[] octets = new byte[bytes.remaining()];
        bytes.get(octets);
        return Base64.getEncoder().encodeToString(octets);
    }
}
