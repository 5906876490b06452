package io.yubin.server;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** What a running server stored in a user's mailboxes, read straight from its storage (tests). */
final class StoredMail {

    private final EmbeddedServer server;
    private final MailAddress user;

    StoredMail(EmbeddedServer server, MailAddress user) {
        this.server = server;
        this.user = user;
    }

    /** The messages of the mailbox as text, oldest first; none when it does not exist. */
    List<String> messages(MailboxPath path) throws Exception {
        Optional<Mailbox> mailbox = await(server.storage().mailboxes().find(user, path));
        List<String> texts = new ArrayList<>();
        if (mailbox.isPresent()) {
            for (MessageRecord record : await(server.storage().mailboxes().messages(mailbox.get().id(), UidSet.ALL))) {
                texts.add(text(record));
            }
        }
        return texts;
    }

    String text(MessageRecord record) throws Exception {
        try (InputStream in = await(server.storage().blobs().get(record.blob().id()))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The message with this subject in the mailbox, once delivered (within 30 s). */
    String awaitSubject(MailboxPath path, String subject) {
        String[] found = new String[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (String text : messages(path)) {
                if (text.contains("Subject: " + subject + "\r\n")) {
                    found[0] = text;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
