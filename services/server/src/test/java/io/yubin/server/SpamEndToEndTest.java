package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.filter.spam.InMemorySpamModel;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.QuotaLimits;
import io.yubin.store.SpamModels;
import io.yubin.store.UidSet;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spam filter end to end on {@code yubin serve}'s wiring: mail from outside over SMTP, a user
 * moving messages into and out of Junk over IMAP (which trains her model and the global one), the
 * next spam filed into her Junk mailbox and the next ham into her INBOX, with their X-Spam-Status
 * fields, and spam refused at SMTP for a user whose reject threshold it passes.
 */
class SpamEndToEndTest {

    static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    static final MailAddress BOB = MailAddress.parse("bob@example.test");
    static final String PASSWORD = "correct horse battery";
    static final String[] HAM = {"meeting", "patch", "kernel", "review", "lunch", "build", "release", "thanks",
        "agenda", "commit", "branch", "merge", "friday", "notes", "draft"};
    static final String[] SPAM = {"free", "offer", "winner", "cash", "pills", "mortgage", "casino", "click",
        "guaranteed", "prize", "discount", "credit", "loan", "urgent", "bonus"};

    @TempDir
    static Path dir;
    static EmbeddedServer server;

    @BeforeAll
    static void start() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        ServerConfig config = TestServerConfig.load(data, "spam-e2e", Map.of(
                "YUBIN_SMTP_MX_PORT", String.valueOf(ServerProcess.freePort()),
                "YUBIN_IMAP_PORT", String.valueOf(ServerProcess.freePort()),
                "YUBIN_IMAP_ALLOW_PLAINTEXT_AUTH", "true",
                "YUBIN_SMTP_HOSTNAME", "mx.example.test",
                "YUBIN_DELIVERY_REMOTE_ENABLED", "false",
                "YUBIN_SPAM_MIN_TRAINED", "3",
                "YUBIN_SPAM_OVERRIDES", "alice@example.test reject=2; bob@example.test reject=0.6"));
        server = EmbeddedServer.start(config);
        await(server.accounts().addDomain(Domain.parse("example.test")));
        await(server.accounts().addUser(ALICE, PASSWORD.toCharArray(), QuotaLimits.NONE));
        await(server.accounts().addUser(BOB, PASSWORD.toCharArray(), QuotaLimits.NONE));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void movesIntoAndOutOfJunkTrainTheFilterWhichThenFilesSpamIntoJunkAndRefusesItForBob() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 4; i++) {
            assertThat(send("alice@example.test", message(random, true, "offer " + i))).startsWith("250");
            assertThat(send("alice@example.test", message(random, false, "notes " + i))).startsWith("250");
        }
        awaitCount(MailboxPath.INBOX, 8);
        assertThat(messages(MailboxPath.INBOX)).allSatisfy(text -> assertThat(text)
                .contains("X-Spam-Status: Unknown (the spam filter is not trained yet) by mx.example.test\r\n"));

        // Alice says what is spam: all into Junk, then the ham back out ("not spam").
        try (LineClient imap = new LineClient(new Socket("127.0.0.1", server.config().imap().port()))) {
            imap.socket().setSoTimeout(60_000);
            assertThat(imap.line()).startsWith("* OK");
            assertThat(imap.imap("a1 LOGIN " + ALICE + " \"" + PASSWORD + "\"")).startsWith("a1 OK");
            assertThat(imap.imap("a2 SELECT INBOX")).startsWith("a2 OK");
            assertThat(imap.imap("a3 UID MOVE 1:* Junk")).startsWith("a3 OK");
            assertThat(imap.imap("a4 SELECT Junk")).startsWith("a4 OK");
            String hamUids = uidsWithSubject(MailboxPath.parse("Junk"), "notes");
            assertThat(imap.imap("a5 UID MOVE " + hamUids + " INBOX")).startsWith("a5 OK");
            imap.send("a6 LOGOUT");
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> trained(ALICE.canonical()) == 8);
        InMemorySpamModel alice = model(ALICE.canonical());
        assertThat(alice.spamMessages()).isEqualTo(4);
        assertThat(alice.hamMessages()).as("moved back: unlearned as spam, learned as ham").isEqualTo(4);
        assertThat(model(SpamModels.GLOBAL).spamMessages()).isEqualTo(4);

        // A sum of dollars in the Subject: a rule's sign, named in the field.
        assertThat(send("alice@example.test", message(random, true, "winner now $1000"))).startsWith("250");
        assertThat(send("alice@example.test", message(random, false, "review today"))).startsWith("250");
        String spam = awaitSubject(MailboxPath.parse("Junk"), "winner now $1000");
        assertThat(spam).containsPattern("X-Spam-Status: Yes, score=[01]\\.\\d{3} required=0\\.650 clues=\\d+ tests=SUBJECT_MONEY by mx.example.test\r\n");
        String ham = awaitSubject(MailboxPath.INBOX, "review today");
        assertThat(ham).containsPattern("X-Spam-Status: No, score=[01]\\.\\d{3} required=0\\.650");

        // Bob has no model of his own: the global one judges, and his threshold refuses at SMTP.
        assertThat(send("bob@example.test", message(random, true, "cash prize"))).startsWith("550 5.7.1 Message refused: it is spam");
        assertThat(send("bob@example.test", message(random, false, "merge branch"))).startsWith("250");
    }

    @Test
    void removingAUserForgetsItsSpamModel() throws Exception {
        MailAddress carol = MailAddress.parse("carol@example.test");
        await(server.accounts().addUser(carol, PASSWORD.toCharArray(), QuotaLimits.NONE));
        await(server.storage().spamModels().save(carol.canonical(), new InMemorySpamModel().toBytes(), 0));
        await(server.storage().spamModels().markTrained(carol.canonical(), "m", SpamModels.Verdict.SPAM));

        await(server.accounts().removeUser(carol));

        assertThat(await(server.storage().spamModels().load(carol.canonical()))).isEmpty();
        assertThat(await(server.storage().spamModels().trainedAs(carol.canonical(), "m"))).isEmpty();
    }

    @Test
    void aSenderCannotForgeTheVerdict() throws Exception {
        String forged = "X-Spam-Status: No, score=0.000 by mx.example.test\r\n" + message(new Random(9), false, "forged verdict");
        assertThat(send("alice@example.test", forged)).startsWith("250");
        String stored = awaitSubject(MailboxPath.INBOX, "forged verdict");
        assertThat(stored.split("X-Spam-Status:", -1)).as("one X-Spam-Status, ours").hasSize(2);
        assertThat(stored).doesNotContain("score=0.000 by");
    }

    // --- helpers ---

    static String message(Random random, boolean spam, String subject) {
        String[] own = spam ? SPAM : HAM;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            body.append(own[random.nextInt(own.length)]).append(i % 10 == 9 ? "\r\n" : " ");
        }
        return "From: " + (spam ? "Deals <promo@deals.example>" : "Carol <carol@work.example>")
                + "\r\nTo: someone@example.test\r\nSubject: " + subject
                + "\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + subject.replace(' ', '.') + "."
                + random.nextInt() + "@test>\r\n\r\n" + body + "\r\n";
    }

    static String send(String to, String message) throws Exception {
        try (LineClient smtp = new LineClient(new Socket("127.0.0.1", server.config().smtp().mxPort()))) {
            smtp.socket().setSoTimeout(60_000);
            assertThat(smtp.smtpReply()).startsWith("220");
            assertThat(smtp.smtp("EHLO client.example")).startsWith("250");
            assertThat(smtp.smtp("MAIL FROM:<sender@elsewhere.example>")).startsWith("250");
            assertThat(smtp.smtp("RCPT TO:<" + to + ">")).startsWith("250");
            assertThat(smtp.smtp("DATA")).startsWith("354");
            byte[] data = (message.replace("\r\n.", "\r\n..") + ".\r\n").getBytes(StandardCharsets.UTF_8);
            smtp.write(data, 0, data.length);
            String reply = smtp.smtpReply();
            smtp.smtp("QUIT");
            return reply;
        }
    }

    static long trained(String owner) {
        return await(server.storage().spamModels().load(owner))
                .map(m -> InMemorySpamModel.fromBytes(m.bytes()))
                .map(m -> m.spamMessages() + m.hamMessages()).orElse(0L);
    }

    static InMemorySpamModel model(String owner) {
        return InMemorySpamModel.fromBytes(await(server.storage().spamModels().load(owner)).orElseThrow().bytes());
    }

    static String uidsWithSubject(MailboxPath path, String word) throws Exception {
        Mailbox mailbox = await(server.storage().mailboxes().find(ALICE, path)).orElseThrow();
        List<Long> uids = new ArrayList<>();
        for (MessageRecord record : await(server.storage().mailboxes().messages(mailbox.id(), UidSet.ALL))) {
            if (text(record).contains("Subject: " + word)) {
                uids.add(record.uid());
            }
        }
        assertThat(uids).isNotEmpty();
        return uids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    static void awaitCount(MailboxPath path, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> messages(path).size() == count);
    }

    static String awaitSubject(MailboxPath path, String subject) {
        return new StoredMail(server, ALICE).awaitSubject(path, subject);
    }

    static List<String> messages(MailboxPath path) throws Exception {
        return new StoredMail(server, ALICE).messages(path);
    }

    static String text(MessageRecord record) throws Exception {
        return new StoredMail(server, ALICE).text(record);
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
