package io.yubin.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Jakarta Mail (Angus Mail) as a real POP3 client, over implicit TLS and over STLS. */
class AngusMailClientTest {

    static final List<String> MESSAGES = List.of(
            "Return-Path: <bob@example.org>\r\nReceived: from mx.example.org by pop.example.test;"
                    + " 1 Jan 2024 00:00 +0000\r\nFrom: Bob <bob@example.org>\r\nTo: alice@example.test\r\n"
                    + "Subject: first\r\nMessage-ID: <1@example.org>\r\n\r\nHello Alice,\r\n.\r\n..dots\r\nBye\r\n",
            "Return-Path: <carol@example.org>\r\nFrom: carol@example.org\r\nSubject: =?UTF-8?B?5L2g5aW9?=\r\n"
                    + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                    + "郵便 ünïcödé body\r\n");

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private Pop3Harness pop3;
    private MailAddress alice;

    @BeforeEach
    void start() throws Exception {
        pop3 = new Pop3Harness(dir);
        alice = pop3.addUser("alice");
        for (String message : MESSAGES) {
            pop3.deliver(alice, message);
        }
    }

    @AfterEach
    void stop() throws Exception {
        pop3.close();
    }

    @Test
    void readsAndDeletesOverImplicitTls() throws Exception {
        Properties props = new Properties();
        props.put("mail.pop3s.ssl.socketFactory", pop3.clientTls().getSocketFactory());
        props.put("mail.pop3s.ssl.checkserveridentity", "false");
        props.put("mail.pop3s.connectiontimeout", "10000");
        props.put("mail.pop3s.timeout", "10000");
        readAndDelete(props, "pop3s", pop3.server.actualTlsPort());
    }

    @Test
    void readsAndDeletesAfterStls() throws Exception {
        Properties props = new Properties();
        props.put("mail.pop3.starttls.enable", "true");
        props.put("mail.pop3.starttls.required", "true");
        props.put("mail.pop3.ssl.socketFactory", pop3.clientTls().getSocketFactory());
        props.put("mail.pop3.ssl.checkserveridentity", "false");
        props.put("mail.pop3.connectiontimeout", "10000");
        props.put("mail.pop3.timeout", "10000");
        readAndDelete(props, "pop3", pop3.server.actualPort());
    }

    private void readAndDelete(Properties props, String protocol, int port) throws Exception {
        Session session = Session.getInstance(props);
        long validity = pop3.uidValidity(alice);
        List<Long> uids = pop3.messages(alice).stream().map(m -> m.uid()).toList();
        Store store = session.getStore(protocol);
        store.connect("127.0.0.1", port, "alice@example.test", Pop3Harness.PASSWORD);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isEqualTo(MESSAGES.size());
            List<String> received = new ArrayList<>();
            for (Message message : inbox.getMessages()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                message.writeTo(out);
                received.add(out.toString(StandardCharsets.UTF_8));
                assertThat(((POP3Folder) inbox).getUID(message))
                        .isEqualTo(validity + "." + uids.get(message.getMessageNumber() - 1));
                // Angus reports the LIST size less the header's octets, so an exact LIST makes this exact.
                String sent = MESSAGES.get(message.getMessageNumber() - 1);
                assertThat(message.getSize()).isEqualTo(
                        sent.substring(sent.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.UTF_8).length);
            }
            assertThat(received).containsExactlyElementsOf(MESSAGES);
            assertThat(inbox.getMessage(2).getSubject()).isEqualTo("你好");
            inbox.getMessage(1).setFlag(Flags.Flag.DELETED, true);
            inbox.getMessage(2).setFlag(Flags.Flag.DELETED, true);
            assertThat(pop3.messages(alice)).hasSize(2);
            inbox.close(true);
        } finally {
            store.close();
        }
        assertThat(pop3.messages(alice)).isEmpty();
    }
}
