package io.yubin.store;

import io.yubin.model.MailAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Users' storage quotas (RFC 9208 STORAGE: the octets of all the user's messages), as the user record
 * sets them (0: no limit). Asked before a message is taken: at SMTP RCPT, IMAP APPEND and delivery.
 */
public final class Quotas {

    /** A user's limit and what the user stores now, in octets. */
    public record Usage(long limit, long used) {

        /** Whether a message of {@code size} octets still fits. */
        public boolean fits(long size) {
            return used + Math.max(0, size) <= limit;
        }
    }

    private final Directory directory;
    private final MailboxStore mailboxes;

    public Quotas(Directory directory, MailboxStore mailboxes) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.mailboxes = Objects.requireNonNull(mailboxes, "mailboxes");
    }

    /** The user's quota and use; empty for a user without a limit (or no such user). */
    public CompletionStage<Optional<Usage>> of(MailAddress user) {
        return directory.findUser(user).thenCompose(record -> record.isEmpty() || record.get().quotaBytes() == 0
                ? CompletableFuture.completedFuture(Optional.<Usage>empty())
                : mailboxes.quotaUsage(user).thenApply(u -> Optional.of(new Usage(record.get().quotaBytes(), u.bytes()))));
    }

    /** Whether {@code user} can take a message of {@code size} octets more. */
    public CompletionStage<Boolean> fits(MailAddress user, long size) {
        return of(user).thenApply(usage -> usage.map(u -> u.fits(size)).orElse(true));
    }
}
