package io.yubin.delivery;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.AddressResolver;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStore;
import io.yubin.store.NewMessage;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one spool entry to its local recipients (docs/architecture.md §1): each recipient that is
 * QUEUED, or DEFERRED and due, is resolved through aliases and catch-alls, the message is appended
 * to the INBOX of every local user it resolves to, and the outcome is recorded in the spool. An
 * entry whose recipients are all final is removed, which drops its blob reference.
 *
 * <p>Safe to run twice, also concurrently, for the same entry: every append carries the delivery
 * key {@code spoolId/user} (docs/architecture.md §4.2), so a repeat appends nothing. Mailbox events are
 * published after every append, a repeated one included: they are hints, at least once.
 *
 * <p>Remote addresses are not delivered by this version: such a recipient stays DEFERRED with
 * {@link #REMOTE_NOT_YET} so the admin API shows why. Store failures fail the returned stage and
 * leave the spool as it was for the recipients not yet recorded; the caller retries later.
 */
public final class LocalDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDelivery.class);

    /** The result recorded for a recipient delivered to every INBOX it resolves to. */
    public static final String DELIVERED = "250 2.0.0 delivered to INBOX";
    /** The result recorded for a recipient that needs remote delivery. */
    public static final String REMOTE_NOT_YET = "queued for remote delivery, which this version does not perform yet";

    /**
     * What one run did.
     *
     * @param kind how the entry stands afterwards
     * @param updated the recipient states this run recorded, in envelope order
     * @param nextAttempt for PENDING, the earliest next attempt of a deferred recipient; else null
     */
    public record Outcome(Kind kind, List<RecipientState> updated, Instant nextAttempt) {

        public Outcome {
            Objects.requireNonNull(kind, "kind");
            updated = List.copyOf(updated);
        }

        public enum Kind {
            /** Every recipient is DELIVERED or FAILED, and the entry is removed from the spool. */
            FINISHED,
            /** Some recipient is DEFERRED until {@link Outcome#nextAttempt()}. */
            PENDING,
            /** The entry is not in the spool (any more): finished by another run. */
            GONE
        }
    }

    private final Spool spool;
    private final MailboxStore mailboxes;
    private final AddressResolver resolver;
    private final MailboxEvents events;
    private final Clock clock;
    private final Duration remoteRetry;

    /**
     * @param remoteRetry how long a recipient that needs remote delivery waits before it is looked
     *        at again (its address may have become local, or this version may have been upgraded)
     */
    public LocalDelivery(Spool spool, MailboxStore mailboxes, AddressResolver resolver, MailboxEvents events,
            Clock clock, Duration remoteRetry) {
        this.spool = spool;
        this.mailboxes = mailboxes;
        this.resolver = resolver;
        this.events = events;
        this.clock = clock;
        this.remoteRetry = remoteRetry;
    }

    /** Delivers what is due in the entry; fails with the store's exception when the store fails. */
    public CompletionStage<Outcome> deliver(SpoolId id) {
        return spool.find(id).thenCompose(found -> found.isEmpty()
                ? CompletableFuture.completedFuture(new Outcome(Outcome.Kind.GONE, List.of(), null))
                : deliver(found.get()));
    }

    private CompletionStage<Outcome> deliver(SpoolEntry entry) {
        Instant now = clock.instant();
        List<RecipientState> states = new ArrayList<>(entry.recipients());
        List<RecipientState> updated = new ArrayList<>();
        // Recipients one after the other, so one user's INBOX sees one append at a time.
        CompletionStage<Void> attempts = CompletableFuture.completedFuture(null);
        for (int i = 0; i < states.size(); i++) {
            RecipientState state = states.get(i);
            if (!isDue(state, now)) {
                continue;
            }
            int index = i;
            attempts = attempts.thenCompose(v -> attempt(entry, state, now)).thenAccept(next -> {
                states.set(index, next);
                updated.add(next);
            });
        }
        return attempts.thenCompose(v -> {
            if (states.stream().allMatch(s -> s.status().isFinal())) {
                // Every outcome is final: removing the entry is the one write that records them all
                // (appends are idempotent by delivery key, so a crash before it only repeats them).
                return ignoringNotFound(spool.remove(entry.id()))
                        .thenApply(removed -> new Outcome(Outcome.Kind.FINISHED, updated, null));
            }
            return recordAll(entry.id(), updated).thenApply(stillThere -> {
                if (!stillThere) {
                    return new Outcome(Outcome.Kind.GONE, updated, null);
                }
                Instant next = states.stream()
                        .filter(s -> !s.status().isFinal())
                        .map(s -> s.nextAttempt() == null ? now : s.nextAttempt())
                        .min(Comparator.naturalOrder())
                        .orElse(now);
                return new Outcome(Outcome.Kind.PENDING, updated, next);
            });
        });
    }

    /** Records the states one after the other; false as soon as the entry is gone. */
    private CompletionStage<Boolean> recordAll(SpoolId id, List<RecipientState> states) {
        CompletionStage<Boolean> present = CompletableFuture.completedFuture(true);
        for (RecipientState state : states) {
            present = present.thenCompose(stillThere -> stillThere ? record(id, state)
                    : CompletableFuture.completedFuture(false));
        }
        return present;
    }

    private static boolean isDue(RecipientState state, Instant now) {
        return state.status() == DeliveryStatus.QUEUED
                || (state.status() == DeliveryStatus.DEFERRED
                        && (state.nextAttempt() == null || !state.nextAttempt().isAfter(now)));
    }

    /** Delivers to one envelope recipient; the new state to record. */
    private CompletionStage<RecipientState> attempt(SpoolEntry entry, RecipientState state, Instant now) {
        MailAddress recipient = state.recipient();
        int attempts = state.attempts() + 1;
        return resolver.resolve(recipient).thenCompose(resolution -> {
            if (resolution.isUnknown()) {
                // Accepted while it existed; the user or alias has been removed since.
                return CompletableFuture.completedFuture(new RecipientState(recipient, DeliveryStatus.FAILED, attempts,
                        null, "550 5.1.1 <" + recipient + ">: no such user here"));
            }
            if (entry.client().authenticatedUser() == null && resolution.remote().contains(recipient)) {
                // docs/architecture.md §5: only an authenticated sender may relay. SMTP refuses this at RCPT;
                // an entry that has it anyway is not sent on.
                return CompletableFuture.completedFuture(new RecipientState(recipient, DeliveryStatus.FAILED, attempts,
                        null, "550 5.7.1 <" + recipient + ">: relaying denied"));
            }
            CompletionStage<Void> appends = CompletableFuture.completedFuture(null);
            for (MailAddress user : resolution.localUsers().stream()
                    .sorted(Comparator.comparing(MailAddress::canonical)).toList()) {
                appends = appends.thenCompose(v -> appendToInbox(entry, user));
            }
            return appends.thenApply(v -> resolution.remote().isEmpty()
                    ? new RecipientState(recipient, DeliveryStatus.DELIVERED, attempts, null, DELIVERED)
                    : new RecipientState(recipient, DeliveryStatus.DEFERRED, attempts, now.plus(remoteRetry),
                            REMOTE_NOT_YET));
        });
    }

    private CompletionStage<Void> appendToInbox(SpoolEntry entry, MailAddress user) {
        NewMessage message = new NewMessage(entry.blob(), entry.receivedAt(), Flags.NONE,
                entry.id().value() + "/" + user.canonical());
        return inbox(user)
                .thenCompose(inbox -> mailboxes.append(inbox.id(), message))
                .thenAccept(result -> {
                    try {
                        events.publish(new MailboxEvent(user, result.mailbox(), MailboxEvent.Kind.APPENDED,
                                result.uid(), result.modSeq()));
                    } catch (RuntimeException e) {
                        // The message is stored; sessions that miss the hint see it at their next poll.
                        LOG.warn("Could not publish the append event for {}: {}", user, e.toString());
                    }
                });
    }

    /** The user's INBOX, provisioning the default mailboxes when it is missing. */
    private CompletionStage<Mailbox> inbox(MailAddress user) {
        return mailboxes.find(user, MailboxPath.INBOX).thenCompose(found -> found.isPresent()
                ? CompletableFuture.completedFuture(found.get())
                : mailboxes.provision(user)
                        .thenCompose(v -> mailboxes.find(user, MailboxPath.INBOX))
                        .thenApply(again -> again.orElseThrow(() -> StoreException.unavailable(
                                "the INBOX of " + user + " is missing after provisioning", null))));
    }

    /** Records a state; false when the entry is gone (another run finished it). */
    private CompletionStage<Boolean> record(SpoolId id, RecipientState state) {
        return spool.update(id, state.recipient(), state).handle((v, failure) -> {
            if (failure == null) {
                return true;
            }
            if (isNotFound(failure)) {
                return false;
            }
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
    }

    private static CompletionStage<Void> ignoringNotFound(CompletionStage<Void> stage) {
        return stage.handle((v, failure) -> {
            if (failure == null || isNotFound(failure)) {
                return null;
            }
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
    }

    private static boolean isNotFound(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return t instanceof StoreException e && e.kind() == StoreException.Kind.NOT_FOUND;
    }
}
