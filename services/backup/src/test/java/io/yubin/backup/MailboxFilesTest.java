package io.yubin.backup;

import static io.yubin.backup.MailSystems.ALICE;
import static io.yubin.backup.MailSystems.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SystemFlag;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mailboxes out to Maildir and mbox files and back in (Dovecot's own files: {@link DovecotMaildirTest}). */
class MailboxFilesTest extends EmbeddedStorages {

    @Test
    void aMaildirExportImportedIntoANewUserKeepsUidsUidValidityFlagsDatesAndSubscriptions() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        Path maildir = dir.resolve("Maildir");

        MailboxFiles.Exported exported = new MailboxFiles(source, Clock.systemUTC()).exportMaildir(ALICE, List.of(),
                maildir);

        assertThat(exported.mailboxes()).isEqualTo(7);
        assertThat(exported.messages()).isEqualTo(9);
        assertThat(maildir.resolve("cur")).isDirectory();
        assertThat(maildir.resolve(".Projects.2026/cur")).isDirectory();
        assertThat(Files.readString(maildir.resolve(".Projects.2026/dovecot-uidlist"))).startsWith("3 V");
        Storage target = MailSystems.withNewUser(open("target"), ALICE);
        Restorer.Result result = new MailboxFiles(target, Clock.systemUTC()).importMaildir(ALICE, maildir);

        MailSystems.Snapshot from = MailSystems.snapshot(source);
        MailSystems.Snapshot to = MailSystems.snapshot(target);
        assertThat(to.mailboxes().get(ALICE.canonical())).isEqualTo(from.mailboxes().get(ALICE.canonical()));
        assertThat(to.subscriptions().get(ALICE.canonical())).isEqualTo(from.subscriptions().get(ALICE.canonical()));
        assertThat(result.messagesKeptUid()).isEqualTo(9);
        // Imported twice, nothing doubles.
        assertThat(new MailboxFiles(target, Clock.systemUTC()).importMaildir(ALICE, maildir).messagesPresent())
                .isEqualTo(9);
        assertThat(MailSystems.snapshot(target)).isEqualTo(to);
    }

    @Test
    void aMaildirWithoutUidListsIsAppendedInFileNameOrderWithItsFlagsAndDates() throws Exception {
        Path maildir = dir.resolve("plain");
        for (String sub : List.of("cur", "new", "tmp", ".Work/cur", ".Work/new")) {
            Files.createDirectories(maildir.resolve(sub));
        }
        Path a = Files.writeString(maildir.resolve("cur/1000.A.host:2,FS"), "Subject: a\r\n\r\na\r\n");
        Path b = Files.writeString(maildir.resolve("new/2000.B.host"), "Subject: b\r\n\r\nb\r\n");
        Files.writeString(maildir.resolve(".Work/cur/3000.C.host:2,"), "Subject: c\r\n\r\nc\r\n");
        Files.setLastModifiedTime(a, FileTime.from(Instant.parse("2020-01-02T03:04:05Z")));
        Files.setLastModifiedTime(b, FileTime.from(Instant.parse("2021-01-02T03:04:05Z")));
        Storage target = MailSystems.withNewUser(open("target"), ALICE);

        new MailboxFiles(target, Clock.systemUTC()).importMaildir(ALICE, maildir);

        Mailbox inbox = MailSystems.find(target, ALICE, "INBOX");
        List<MessageRecord> messages = await(target.mailboxes().messages(inbox.id(), UidSet.ALL));
        assertThat(messages).extracting(MessageRecord::uid).containsExactly(1L, 2L);
        assertThat(messages.get(0).flags().contains(SystemFlag.FLAGGED)).isTrue();
        assertThat(messages.get(0).flags().contains(SystemFlag.SEEN)).isTrue();
        assertThat(messages.get(0).internalDate()).isEqualTo(Instant.parse("2020-01-02T03:04:05Z"));
        assertThat(messages.get(1).flags().isEmpty()).isTrue();
        assertThat(await(target.mailboxes().find(ALICE, MailboxPath.parse("Work")))).isPresent();
    }

    @Test
    void mboxFilesGoOutAndComeBackWithTheirMessagesAndDates() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        Mailbox inbox = MailSystems.find(source, ALICE, "INBOX");
        MailSystems.append(source, inbox, "Subject: quoting\r\n\r\nFrom here on\r\n>From there\r\nend\r\n",
                io.yubin.model.Flags.NONE);
        Path mbox = dir.resolve("mbox");

        new MailboxFiles(source, Clock.systemUTC()).exportMbox(ALICE, List.of(), mbox);

        String inboxFile = Files.readString(mbox.resolve("INBOX.mbox"), StandardCharsets.ISO_8859_1);
        assertThat(inboxFile).startsWith("From MAILER-DAEMON ").contains("\n>From here on\n>>From there\n")
                .doesNotContain("\r\n");
        assertThat(mbox.resolve("Projects/2026.mbox")).exists();
        MailAddress bob = MailAddress.parse("bob@elsewhere.test");
        Storage target = MailSystems.withNewUser(open("target"), bob);
        Restorer.Result result = new MailboxFiles(target, Clock.systemUTC()).importMbox(bob, mbox, null);

        assertThat(result.messagesAppended()).isEqualTo(10);
        Map<String, MailSystems.MailboxSnapshot> from = MailSystems.snapshot(source).mailboxes().get(ALICE.canonical());
        Map<String, MailSystems.MailboxSnapshot> to = MailSystems.snapshot(target).mailboxes().get(bob.canonical());
        // mbox is a text format: a binary body (Projects/2026 holds one) does not survive it byte for byte.
        for (String path : List.of("INBOX", "Sent")) {
            assertThat(to.get(path).messages()).extracting(MailSystems.Message::body, MailSystems.Message::internalDate)
                    .as(path).containsExactlyElementsOf(from.get(path).messages().stream()
                            .map(m -> org.assertj.core.groups.Tuple.tuple(m.body(), m.internalDate().with(
                                    java.time.temporal.ChronoField.NANO_OF_SECOND, 0))).toList());
        }
        assertThat(new MailboxFiles(target, Clock.systemUTC()).importMbox(bob, mbox, null).messagesAppended()).isZero();
    }

    /** Read one message at a time, twice: a body that comes twice is stored once, and both are appended. */
    @Test
    void anMboxFileIsReadMessageByMessageAndABodyThatComesTwiceIsStoredOnce() throws Exception {
        MailAddress bob = MailAddress.parse("bob@elsewhere.test");
        Storage target = MailSystems.withNewUser(open("target"), bob);
        String big = "Subject: big\n\n" + "0123456789abcdef".repeat(65_536 / 16 * 3) + "\n";
        Path mbox = Files.writeString(dir.resolve("Archive.mbox"), "From a@x.test Thu Jan  1 00:00:00 2026\n"
                + "Subject: same\n\nbody\n\nFrom a@x.test Fri Jan  2 00:00:00 2026\n" + big
                + "\nFrom a@x.test Sat Jan  3 00:00:00 2026\nSubject: same\n\nbody\n", StandardCharsets.ISO_8859_1);

        Restorer.Result result = new MailboxFiles(target, Clock.systemUTC()).importMbox(bob, mbox, null);

        assertThat(result.messagesAppended()).isEqualTo(3);
        assertThat(result.bodies()).isEqualTo(2);
        List<MailSystems.Message> messages = MailSystems.snapshot(target).mailboxes().get(bob.canonical())
                .get("Archive").messages();
        assertThat(messages).extracting(MailSystems.Message::body).containsExactly(summary("Subject: same\r\n\r\nbody\r\n"),
                summary(big.replace("\n", "\r\n")), summary("Subject: same\r\n\r\nbody\r\n"));
    }

    /** How a snapshot shows a body. */
    private static String summary(String body) throws Exception {
        byte[] octets = body.getBytes(StandardCharsets.ISO_8859_1);
        return octets.length + " octets, SHA-256 " + java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(octets));
    }

    @Test
    void badInputIsAClearError() {
        Storage target = MailSystems.withNewUser(open("target"), ALICE);
        MailboxFiles files = new MailboxFiles(target, Clock.systemUTC());

        assertThatThrownBy(() -> files.importMaildir(MailAddress.parse("nobody@a.test"), dir))
                .isInstanceOf(BackupException.class).hasMessageContaining("no user nobody@a.test");
        assertThatThrownBy(() -> files.importMbox(ALICE, dir.resolve("missing.mbox"), null))
                .isInstanceOf(BackupException.class).hasMessageContaining("no mbox file");
        assertThatThrownBy(() -> files.exportMbox(ALICE, List.of(MailboxPath.parse("Nope")), dir.resolve("x")))
                .isInstanceOf(BackupException.class).hasMessageContaining("has no mailbox Nope");
    }
}
