package io.yubin.delivery;

import io.yubin.model.MailAddress;
import io.yubin.store.SpoolEntry;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a message goes to a local user's Junk mailbox instead of the INBOX, and says why
 * (a DMARC policy, a spam score): per user, since users' spam models differ.
 */
@FunctionalInterface
public interface Quarantine {

    /** Never: every message goes to the INBOX. */
    Quarantine NEVER = (entry, user) -> CompletableFuture.completedFuture(Optional.empty());

    /**
     * Why the entry's message goes to {@code user}'s Junk mailbox (e.g. "quarantined by DMARC
     * policy"), or empty for the INBOX; a failed stage is retried like a store failure.
     */
    CompletionStage<Optional<String>> reason(SpoolEntry entry, MailAddress user);

    /** This one's reason, else {@code other}'s (asked only when this one has none). */
    default Quarantine or(Quarantine other) {
        return (entry, user) -> reason(entry, user).thenCompose(reason -> reason.isPresent()
                ? CompletableFuture.completedFuture(reason) : other.reason(entry, user));
    }
}
