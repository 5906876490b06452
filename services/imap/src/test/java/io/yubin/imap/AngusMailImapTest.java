package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import io.yubin.testing.vertx.BlockedThreadWatch;
import jakarta.mail.BodyPart;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Jakarta Mail (Angus Mail) as the Java IMAP client: folders, structure, flags, copy, move, append, expunge. */
class AngusMailImapTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private ImapHarness imap;
    private MailAddress alice;
    private Store store;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, false);
        alice = imap.addUser("alice");
        imap.deliver(alice, ImapProtocolTest.FIRST);
        imap.deliver(alice, ImapProtocolTest.MIXED);
        Properties p = new Properties();
        p.put("mail.imaps.ssl.socketFactory", imap.clientTls().getSocketFactory());
        p.put("mail.imaps.ssl.checkserveridentity", "false");
        p.put("mail.imaps.timeout", "10000");
        store = Session.getInstance(p).getStore("imaps");
        store.connect("127.0.0.1", imap.server.actualTlsPort(), "alice@example.test", ImapHarness.PASSWORD);
    }

    @AfterEach
    void stop() throws Exception {
        store.close();
        imap.close();
    }

    @Test
    void listsFoldersReadsStructureAndAttachments() throws Exception {
        List<String> names = Arrays.stream(store.getDefaultFolder().list("*")).map(Folder::getFullName).toList();
        assertThat(names).contains("INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive");

        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        assertThat(inbox.getMessageCount()).isEqualTo(2);
        Message first = inbox.getMessage(1);
        assertThat(first.getSubject()).isEqualTo("first");
        assertThat(((InternetAddress) first.getFrom()[0]).getAddress()).isEqualTo("bob@example.org");
        assertThat(first.getContent().toString()).isEqualTo("Hello Alice\r\n");

        Message mixed = inbox.getMessage(2);
        assertThat(mixed.getSubject()).isEqualTo("你好");
        Multipart parts = (Multipart) mixed.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        BodyPart attachment = parts.getBodyPart(1);
        assertThat(attachment.getFileName()).isEqualTo("a.bin");
        assertThat(attachment.getInputStream().readAllBytes()).containsExactly(0, 1, 2);
        assertThat(parts.getBodyPart(0).getContent().toString()).isEqualTo("body text");
        inbox.close(false);
    }

    @Test
    void setsFlagsCopiesMovesAppendsAndExpunges() throws Exception {
        IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        inbox.getMessage(1).setFlag(Flags.Flag.FLAGGED, true);
        inbox.copyMessages(new Message[] {inbox.getMessage(1)}, store.getFolder("Archive"));
        inbox.moveMessages(new Message[] {inbox.getMessage(2)}, store.getFolder("Trash"));
        assertThat(uids("INBOX")).hasSize(1);
        inbox.close(false);
        inbox.open(Folder.READ_WRITE);
        assertThat(inbox.getMessageCount()).isEqualTo(1);

        MimeMessage draft = new MimeMessage(Session.getInstance(new Properties()),
                new ByteArrayInputStream("Subject: appended\r\n\r\nnew\r\n".getBytes(StandardCharsets.US_ASCII)));
        Folder drafts = store.getFolder("Drafts");
        drafts.appendMessages(new Message[] {draft});

        inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
        inbox.expunge();
        assertThat(inbox.getMessageCount()).isZero();
        inbox.close(false);

        assertThat(uids("Archive")).hasSize(1);
        assertThat(uids("Trash")).hasSize(1);
        assertThat(uids("Drafts")).hasSize(1);
        assertThat(uids("INBOX")).isEmpty();
        List<MessageRecord> archived = ImapHarness.await(imap.storage.mailboxes().messages(
                imap.mailbox(alice, "Archive").id(), UidSet.ALL));
        assertThat(archived.get(0).flags().contains(io.yubin.model.SystemFlag.FLAGGED)).isTrue();

        Folder archive = store.getFolder("Archive");
        archive.open(Folder.READ_ONLY);
        assertThat(((UIDFolder) archive).getUID(archive.getMessage(1))).isEqualTo(1);
        archive.close(false);
    }

    private List<MessageRecord> uids(String mailbox) throws Exception {
        return ImapHarness.await(imap.storage.mailboxes().messages(imap.mailbox(alice, mailbox).id(), UidSet.ALL));
    }
}
