package io.yubin.delivery;

import io.yubin.store.SpoolEntry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Decides whether a message goes to its local recipients' Junk mailbox instead of their INBOX. */
@FunctionalInterface
public interface Quarantine {

    /** Never: every message goes to the INBOX. */
    Quarantine NEVER = entry -> CompletableFuture.completedFuture(false);

    /** Whether the entry's message is quarantined; a failed stage is retried like a store failure. */
    CompletionStage<Boolean> quarantined(SpoolEntry entry);
}
