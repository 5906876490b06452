package io.yubin.delivery;

import io.yubin.delivery.remote.DsnRecipient;
import io.yubin.delivery.remote.RecipientResult;
import io.yubin.model.Envelope;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.AddressResolver;
import io.yubin.store.Srs;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.Mailbox;
import io.yubin.store.Quotas;
import io.yubin.store.MailboxStore;
import io.yubin.store.NewMessage;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoredBlob;
import io.yubin.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
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
 * <p>Remote recipients (only from an authenticated sender, or in a notification made here: no relay)
 * are sent in one {@link RemoteSender} call after the local appends when {@link Outbound} is given:
 * a deferred one gets its next attempt from the {@link RetrySchedule} and is re-offered by the
 * {@link SpoolSweep} when due; one still deferred at the give-up time fails. Every recipient that
 * fails in a run (a 5xx, the give-up time, an unknown local user) is reported to the sender in one
 * delivery status notification, spooled by {@link DsnSpooler} before the failures are recorded; a
 * recipient still deferred {@link Outbound#delayWarning()} after arrival is reported once as delayed
 * ({@link RecipientState#delayReported()} remembers it).
 * Without {@link Outbound} a remote recipient stays DEFERRED with {@link #REMOTE_NOT_YET}.
 *
 * <p>Store failures fail the returned stage and leave the spool as it was for the recipients not yet
 * recorded; the caller retries later.
 */
public final class LocalDelivery {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDelivery.class);

    /** The result recorded for a recipient delivered to every INBOX it resolves to. */
    public static final String DELIVERED = "250 2.0.0 delivered to INBOX";
    /** How the result of an alias whose copy went to remote targets begins. */
    static final String FORWARDED = "250 2.1.5 forwarded to ";
    /** The result recorded for a recipient a user of which (or its domain) is over its quota (RFC 3463 X.2.2). */
    public static final String MAILBOX_FULL = "452 4.2.2 mailbox full: over its quota";
    /** The result recorded for a recipient whose copy went to Junk, before the reason in parentheses. */
    public static final String DELIVERED_TO_JUNK = "250 2.0.0 delivered to Junk";
    private static final MailboxPath JUNK = MailboxPath.parse("Junk");
    /** The result recorded for a recipient that needs remote delivery when it is not configured. */
    public static final String REMOTE_NOT_YET = "queued for remote delivery, which this version does not perform yet";
    /** The HELO name recorded in the spool entries of forwarded copies (the client address is {@link DsnSpooler#CLIENT_ADDRESS}). */
    static final String FORWARDER = "forwarder";

    /** The default {@link Outbound#delayWarning()}: 4 hours, as Postfix's {@code delay_warning_time} examples. */
    public static final Duration DELAY_WARNING = Duration.ofHours(4);

    /**
     * Remote delivery, its retries and notifications.
     *
     * @param sender sends to remote recipients
     * @param retries when deferred remote recipients are tried again, and given up
     * @param notifications spools the notifications for failed and delayed recipients
     * @param delayWarning how long after arrival a recipient still deferred is reported to the
     *     sender once ({@code Action: delayed}); zero turns delay warnings off
     * @param arc seals forwarded copies (null: not sealed)
     * @param srs rewrites the envelope sender of forwarded copies into the alias's domain (null: kept)
     */
    public record Outbound(RemoteSender sender, RetrySchedule retries, DsnSpooler notifications,
            Duration delayWarning, ArcForwarding arc, Srs srs) {
        public Outbound {
            Objects.requireNonNull(sender, "sender");
            Objects.requireNonNull(retries, "retries");
            Objects.requireNonNull(notifications, "notifications");
            Objects.requireNonNull(delayWarning, "delayWarning");
            if (delayWarning.isNegative()) {
                throw new IllegalArgumentException("the delay warning time must not be negative, was " + delayWarning);
            }
        }

        /** Forwarded copies neither ARC-sealed nor SRS-rewritten. */
        public Outbound(RemoteSender sender, RetrySchedule retries, DsnSpooler notifications, Duration delayWarning) {
            this(sender, retries, notifications, delayWarning, null, null);
        }

        /** With the default delay warning time, {@link #DELAY_WARNING}. */
        public Outbound(RemoteSender sender, RetrySchedule retries, DsnSpooler notifications) {
            this(sender, retries, notifications, DELAY_WARNING);
        }

        /** Forwarded copies sealed by {@code arc} (null: not sealed). */
        public Outbound withArc(ArcForwarding arc) {
            return new Outbound(sender, retries, notifications, delayWarning, arc, srs);
        }

        /** Forwarded copies sent from an SRS address of the alias's domain (null: the original sender). */
        public Outbound withSrs(Srs srs) {
            return new Outbound(sender, retries, notifications, delayWarning, arc, srs);
        }
    }

    /**
     * What one run did.
     *
     * @param kind how the entry stands afterwards
     * @param updated the recipient states this run recorded, in envelope order
     * @param nextAttempt for PENDING, the earliest next attempt of a deferred recipient; else null
     * @param notifications the spool entries this run made (delivery status notifications), to offer
     */
    public record Outcome(Kind kind, List<RecipientState> updated, Instant nextAttempt, List<SpoolId> notifications) {

        public Outcome {
            Objects.requireNonNull(kind, "kind");
            updated = List.copyOf(updated);
            notifications = List.copyOf(notifications);
        }

        public Outcome(Kind kind, List<RecipientState> updated, Instant nextAttempt) {
            this(kind, updated, nextAttempt, List.of());
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
    /** Null when remote delivery is not configured. */
    private final Outbound outbound;
    private final Quarantine quarantine;
    /** Null: no quota is looked at. */
    private final Quotas quotas;
    /** Null: nobody is warned of a filling mailbox. */
    private final QuotaWarnings warnings;

    /**
     * Without remote delivery.
     *
     * @param remoteRetry how long a recipient that needs remote delivery waits before it is looked
     *        at again (its address may have become local, or this version may have been upgraded)
     */
    public LocalDelivery(Spool spool, MailboxStore mailboxes, AddressResolver resolver, MailboxEvents events,
            Clock clock, Duration remoteRetry) {
        this(spool, mailboxes, resolver, events, clock, remoteRetry, null);
    }

    /** With remote delivery, retries and notifications. */
    public LocalDelivery(Spool spool, MailboxStore mailboxes, AddressResolver resolver, MailboxEvents events,
            Clock clock, Outbound outbound) {
        this(spool, mailboxes, resolver, events, clock,
                Objects.requireNonNull(outbound, "outbound").retries().first(), outbound);
    }

    private LocalDelivery(Spool spool, MailboxStore mailboxes, AddressResolver resolver, MailboxEvents events,
            Clock clock, Duration remoteRetry, Outbound outbound) {
        this(spool, mailboxes, resolver, events, clock, remoteRetry, outbound, Quarantine.NEVER, null, null);
    }

    private LocalDelivery(Spool spool, MailboxStore mailboxes, AddressResolver resolver, MailboxEvents events,
            Clock clock, Duration remoteRetry, Outbound outbound, Quarantine quarantine, Quotas quotas,
            QuotaWarnings warnings) {
        this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
        this.quotas = quotas;
        this.warnings = warnings;
        this.spool = spool;
        this.mailboxes = mailboxes;
        this.resolver = resolver;
        this.events = events;
        this.clock = clock;
        this.remoteRetry = remoteRetry;
        this.outbound = outbound;
    }

    /**
     * The same delivery, with each local user of a message that {@code quarantine} says so getting it
     * in their Junk mailbox instead of the INBOX (DMARC quarantine, docs/mailauth.md; spam,
     * docs/filtering.md).
     */
    public LocalDelivery withQuarantine(Quarantine quarantine) {
        return new LocalDelivery(spool, mailboxes, resolver, events, clock, remoteRetry, outbound, quarantine, quotas,
                warnings);
    }

    /**
     * The same delivery, with users' and domains' quotas: a recipient a user of which cannot take the
     * message is deferred ({@link #MAILBOX_FULL}), and bounced once the retries give up.
     */
    public LocalDelivery withQuotas(Quotas quotas) {
        return withQuotas(quotas, null);
    }

    /** As {@link #withQuotas(Quotas)}, and a user whose mailbox a delivery fills past 80 % or 95 % is warned. */
    public LocalDelivery withQuotas(Quotas quotas, QuotaWarnings warnings) {
        return new LocalDelivery(spool, mailboxes, resolver, events, clock, remoteRetry, outbound, quarantine, quotas,
                warnings);
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
        // By envelope position: the new state of each recipient attempted, and the remote results.
        Map<Integer, RecipientState> decided = new TreeMap<>();
        Map<Integer, RecipientResult> results = new TreeMap<>();
        List<Integer> remote = new ArrayList<>();
        // The spool entries this run made: forwarded copies, then notifications.
        List<SpoolId> spooled = new ArrayList<>();
        // Recipients one after the other, so one user's INBOX sees one append at a time.
        CompletionStage<Void> attempts = CompletableFuture.completedFuture(null);
        for (int i = 0; i < states.size(); i++) {
            RecipientState state = states.get(i);
            if (!isDue(state, now)) {
                continue;
            }
            int index = i;
            attempts = attempts.thenCompose(v -> attempt(entry, index, state, now, spooled)).thenAccept(next -> {
                if (next == null) {
                    remote.add(index);
                } else {
                    decided.put(index, next);
                }
            });
        }
        return attempts
                .thenCompose(v -> sendRemote(entry, states, remote, decided, results))
                .thenCompose(v -> warnDelays(entry, decided, results))
                .thenCompose(warning -> {
                    warning.ifPresent(spooled::add);
                    return finish(entry, states, decided, results, now, spooled);
                });
    }

    /** One call for every remote recipient (one SMTP session per domain), after the local appends. */
    private CompletionStage<Void> sendRemote(SpoolEntry entry, List<RecipientState> states, List<Integer> remote,
            Map<Integer, RecipientState> decided, Map<Integer, RecipientResult> results) {
        if (remote.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<MailAddress> addresses = remote.stream().map(i -> states.get(i).recipient()).toList();
        return outbound.sender().send(entry, addresses).thenAccept(sent -> {
            Instant ended = clock.instant();
            for (int k = 0; k < remote.size(); k++) {
                int index = remote.get(k);
                RecipientResult result = afterRetries(sent.get(k), states.get(index).attempts() + 1, ended,
                        entry.receivedAt());
                results.put(index, result);
                decided.put(index, stateOf(result, states.get(index), ended, entry.receivedAt()));
            }
        });
    }

    /** A deferred result at or past the give-up time becomes a failure (RFC 3463 X.4.7: delivery time expired). */
    private RecipientResult afterRetries(RecipientResult result, int attempts, Instant now, Instant arrival) {
        if (result.status() != DeliveryStatus.DEFERRED || outbound.retries().next(attempts, now, arrival) != null) {
            return result;
        }
        return new RecipientResult(result.recipient(), DeliveryStatus.FAILED,
                "554 5.4.7 delivery time expired after " + outbound.retries().giveUpAfter() + ", last reply: "
                        + result.describe(), result.remoteMta(), null);
    }

    private RecipientState stateOf(RecipientResult result, RecipientState before, Instant now, Instant arrival) {
        int attempts = before.attempts() + 1;
        Instant next = result.status() == DeliveryStatus.DEFERRED
                ? outbound.retries().next(attempts, now, arrival) : null;
        return new RecipientState(result.recipient(), result.status(), attempts, next, result.describe(),
                before.delayReported());
    }

    /**
     * The delay warning (RFC 3464 {@code Action: delayed}; RFC 3461 §4.1 NOTIFY=DELAY): the recipients
     * this run left DEFERRED, at least {@link Outbound#delayWarning()} after arrival, whose delay was
     * not reported yet, in one notification, spooled before their states are recorded with the mark
     * (so a crash in between repeats the attempt, and the repeat finds the notification spooled).
     * Never for a null sender, and NOTIFY decides as for failures ({@link DsnSpooler}); the mark is
     * set either way, so each recipient is looked at once.
     */
    private CompletionStage<Optional<SpoolId>> warnDelays(SpoolEntry entry, Map<Integer, RecipientState> decided,
            Map<Integer, RecipientResult> results) {
        if (outbound == null || outbound.delayWarning().isZero() || entry.envelope().sender() == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        Instant now = clock.instant();
        if (now.isBefore(entry.receivedAt().plus(outbound.delayWarning()))) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        List<DsnRecipient> delayed = new ArrayList<>();
        for (Map.Entry<Integer, RecipientState> e : decided.entrySet()) {
            RecipientState state = e.getValue();
            if (state.status() != DeliveryStatus.DEFERRED || state.delayReported()) {
                continue;
            }
            int index = e.getKey();
            Envelope.Recipient recipient = index < entry.envelope().recipients().size()
                    ? entry.envelope().recipients().get(index) : Envelope.Recipient.of(state.recipient());
            RecipientResult result = results.getOrDefault(index, new RecipientResult(state.recipient(),
                    DeliveryStatus.DEFERRED, state.lastResult() == null ? "451 4.0.0 deferred" : state.lastResult(),
                    null, null));
            delayed.add(new DsnRecipient(recipient, DsnRecipient.Action.DELAYED, result, now,
                    outbound.retries().giveUpAt(entry.receivedAt())));
            decided.put(index, state.withDelayReported());
        }
        if (delayed.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return outbound.notifications().spool(entry, delayed).thenApply(id -> {
            id.ifPresent(dsn -> LOG.info("{}: delay warning {} for {} to <{}>", entry.id(), dsn,
                    delayed.stream().map(r -> r.recipient().address().toString()).toList(), entry.envelope().sender()));
            return id;
        });
    }

    /**
     * Records what this run decided. When a recipient failed, the others are recorded first, then the
     * notification is spooled, then the failures: a crash in between repeats the failures' attempts,
     * never a delivery, and the repeat finds the notification spooled already.
     */
    private CompletionStage<Outcome> finish(SpoolEntry entry, List<RecipientState> states,
            Map<Integer, RecipientState> decided, Map<Integer, RecipientResult> results, Instant now,
            List<SpoolId> spooled) {
        decided.forEach(states::set);
        List<RecipientState> updated = List.copyOf(decided.values());
        List<Integer> failed = decided.entrySet().stream()
                .filter(e -> e.getValue().status() == DeliveryStatus.FAILED).map(Map.Entry::getKey).toList();
        List<Integer> succeeded = successesToReport(entry, decided, results);
        boolean notify = outbound != null && (!failed.isEmpty() || !succeeded.isEmpty());
        java.util.Set<Integer> reported = new java.util.HashSet<>(failed);
        reported.addAll(succeeded);
        List<RecipientState> others = decided.entrySet().stream().filter(e -> !reported.contains(e.getKey()))
                .map(Map.Entry::getValue).toList();
        CompletionStage<Boolean> before = notify ? recordAll(entry.id(), others)
                : CompletableFuture.completedFuture(true);
        return before.thenCompose(present -> {
            if (!present) {
                return CompletableFuture.completedFuture(new Outcome(Outcome.Kind.GONE, updated, null, spooled));
            }
            CompletionStage<Optional<SpoolId>> notification = notify
                    ? outbound.notifications().spool(entry, reports(entry, states, failed, succeeded, results))
                    : CompletableFuture.completedFuture(Optional.empty());
            return notification.thenCompose(dsn -> {
                List<SpoolId> made = new ArrayList<>(spooled);
                dsn.ifPresent(made::add);
                return record(entry, states, notify ? decided.entrySet().stream()
                        .filter(e -> reported.contains(e.getKey())).map(Map.Entry::getValue).toList() : updated,
                        updated, made, now);
            });
        });
    }

    private CompletionStage<Outcome> record(SpoolEntry entry, List<RecipientState> states,
            List<RecipientState> toRecord, List<RecipientState> updated, List<SpoolId> notifications, Instant now) {
        if (states.stream().allMatch(s -> s.status().isFinal())) {
            // Every outcome is final: removing the entry is the one write that records them all
            // (appends are idempotent by delivery key, so a crash before it only repeats them).
            return ignoringNotFound(spool.remove(entry.id()))
                    .thenApply(removed -> new Outcome(Outcome.Kind.FINISHED, updated, null, notifications));
        }
        return recordAll(entry.id(), toRecord).thenApply(stillThere -> {
            if (!stillThere) {
                return new Outcome(Outcome.Kind.GONE, updated, null, notifications);
            }
            Instant next = states.stream()
                    .filter(s -> !s.status().isFinal())
                    .map(s -> s.nextAttempt() == null ? now : s.nextAttempt())
                    .min(Comparator.naturalOrder())
                    .orElse(now);
            return new Outcome(Outcome.Kind.PENDING, updated, next, notifications);
        });
    }

    /**
     * RFC 3461 §4.1 NOTIFY=SUCCESS: the recipients this run delivered whose sender asked to be told,
     * by envelope position: delivered into a mailbox here, or relayed to a server that took no DSN
     * parameters. Not one passed on to a server that did (it reports), nor an alias forwarded (its
     * copy carries NOTIFY on, RFC 3461 §6.2.7.3).
     */
    private static List<Integer> successesToReport(SpoolEntry entry, Map<Integer, RecipientState> decided,
            Map<Integer, RecipientResult> results) {
        List<Envelope.Recipient> given = entry.envelope().recipients();
        List<Integer> succeeded = new ArrayList<>();
        for (Map.Entry<Integer, RecipientState> e : decided.entrySet()) {
            int index = e.getKey();
            RecipientState state = e.getValue();
            if (state.status() != DeliveryStatus.DELIVERED || index >= given.size()
                    || !given.get(index).notifyOn().contains(Envelope.DsnNotify.SUCCESS)) {
                continue;
            }
            RecipientResult remote = results.get(index);
            boolean forwarded = remote == null && state.lastResult() != null && state.lastResult().startsWith(FORWARDED);
            if (remote != null ? !remote.dsnPassedOn() : !forwarded) {
                succeeded.add(index);
            }
        }
        return succeeded;
    }

    /** What the notification reports: the failures, then the successes asked for. */
    private List<DsnRecipient> reports(SpoolEntry entry, List<RecipientState> states, List<Integer> failed,
            List<Integer> succeeded, Map<Integer, RecipientResult> results) {
        List<DsnRecipient> reported = new ArrayList<>(failures(entry, states, failed, results));
        Instant now = clock.instant();
        for (int index : succeeded) {
            RecipientState state = states.get(index);
            RecipientResult remote = results.get(index);
            reported.add(new DsnRecipient(entry.envelope().recipients().get(index),
                    remote == null ? DsnRecipient.Action.DELIVERED : DsnRecipient.Action.RELAYED,
                    remote != null ? remote : new RecipientResult(state.recipient(), DeliveryStatus.DELIVERED,
                            state.lastResult() == null ? DELIVERED : state.lastResult(), null, null), now, null));
        }
        return reported;
    }

    /** The failed recipients as a notification reports them, with their DSN parameters (NOTIFY, ORCPT). */
    private List<DsnRecipient> failures(SpoolEntry entry, List<RecipientState> states, List<Integer> failed,
            Map<Integer, RecipientResult> results) {
        Instant now = clock.instant();
        List<DsnRecipient> reported = new ArrayList<>();
        for (int index : failed) {
            RecipientState state = states.get(index);
            Envelope.Recipient recipient = index < entry.envelope().recipients().size()
                    ? entry.envelope().recipients().get(index) : Envelope.Recipient.of(state.recipient());
            RecipientResult result = results.getOrDefault(index, new RecipientResult(state.recipient(),
                    DeliveryStatus.FAILED, state.lastResult() == null ? "550 5.0.0 failed" : state.lastResult(),
                    null, null));
            reported.add(new DsnRecipient(recipient, DsnRecipient.Action.FAILED, result, now, null));
        }
        return reported;
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

    /**
     * Delivers to one envelope recipient's local users; the new state to record, or null when the
     * recipient is itself remote and goes to {@link #sendRemote}. An alias with remote targets
     * (forwarding) gets a spool entry of its own for them ({@link #forward}), added to {@code spooled}.
     */
    private CompletionStage<RecipientState> attempt(SpoolEntry entry, int index, RecipientState state, Instant now,
            List<SpoolId> spooled) {
        MailAddress recipient = state.recipient();
        int attempts = state.attempts() + 1;
        return resolver.resolve(recipient).thenCompose(resolution -> {
            if (resolution.isUnknown()) {
                // Accepted while it existed; the user or alias has been removed since.
                return CompletableFuture.completedFuture(new RecipientState(recipient, DeliveryStatus.FAILED, attempts,
                        null, "550 5.1.1 <" + recipient + ">: no such user here"));
            }
            boolean mayRelay = entry.client().authenticatedUser() != null || DsnSpooler.isMadeHere(entry);
            if (!mayRelay && resolution.remote().contains(recipient)) {
                // docs/architecture.md §5: only an authenticated sender may relay. SMTP refuses this at RCPT;
                // an entry that has it anyway is not sent on.
                return CompletableFuture.completedFuture(new RecipientState(recipient, DeliveryStatus.FAILED, attempts,
                        null, "550 5.7.1 <" + recipient + ">: relaying denied"));
            }
            List<MailAddress> users = resolution.localUsers().stream()
                    .sorted(Comparator.comparing(MailAddress::canonical)).toList();
            return fitsAll(users, entry.blob().size()).thenApply(fits -> fits ? null : full(entry, state, now))
                    .thenCompose(full -> full != null ? CompletableFuture.completedFuture(full)
                            : deliverTo(entry, index, state, now, spooled, recipient, resolution, users));
        });
    }

    /**
     * A recipient whose mailbox is full waits like a deferred remote one; once the retries give up it
     * fails (RFC 3463 5.2.2), and the sender gets a notification.
     */
    private RecipientState full(SpoolEntry entry, RecipientState state, Instant now) {
        int attempts = state.attempts() + 1;
        Instant next = outbound == null ? now.plus(remoteRetry) : outbound.retries().next(attempts, now, entry.receivedAt());
        if (next == null) {
            return new RecipientState(state.recipient(), DeliveryStatus.FAILED, attempts, null,
                    "552 5.2.2 mailbox full: over its quota until the retries gave up", state.delayReported());
        }
        return new RecipientState(state.recipient(), DeliveryStatus.DEFERRED, attempts, next, MAILBOX_FULL,
                state.delayReported());
    }

    /** Whether every one of {@code users} can take one more message of {@code size} octets (no quotas: yes). */
    private CompletionStage<Boolean> fitsAll(List<MailAddress> users, long size) {
        CompletionStage<Boolean> all = CompletableFuture.completedFuture(true);
        if (quotas == null) {
            return all;
        }
        for (MailAddress user : users) {
            all = all.thenCompose(ok -> ok ? quotas.fits(user, size) : CompletableFuture.completedFuture(false));
        }
        return all;
    }

    private CompletionStage<RecipientState> deliverTo(SpoolEntry entry, int index, RecipientState state, Instant now,
            List<SpoolId> spooled, MailAddress recipient, AddressResolver.Resolution resolution, List<MailAddress> users) {
        int attempts = state.attempts() + 1;
        // Why copies went to Junk (one reason per user whose copy did), for the recipient's result.
        Set<String> junkReasons = new TreeSet<>();
        CompletionStage<Void> appends = CompletableFuture.completedFuture(null);
        for (MailAddress user : users) {
            appends = appends.thenCompose(v -> quarantineFor(entry, user)).thenCompose(reason -> {
                reason.ifPresent(junkReasons::add);
                return append(entry, user, reason.isPresent());
            });
        }
        return appends.thenCompose(v -> {
            if (resolution.remote().isEmpty()) {
                return CompletableFuture.completedFuture(new RecipientState(recipient, DeliveryStatus.DELIVERED,
                        attempts, null, junkReasons.isEmpty() ? DELIVERED
                                : DELIVERED_TO_JUNK + " (" + String.join("; ", junkReasons) + ")"));
            }
            if (outbound == null) {
                return CompletableFuture.completedFuture(new RecipientState(recipient, DeliveryStatus.DEFERRED,
                        attempts, now.plus(remoteRetry), REMOTE_NOT_YET));
            }
            if (resolution.remote().equals(Set.of(recipient))) {
                return CompletableFuture.completedFuture(null);
            }
            List<MailAddress> targets = resolution.remote().stream()
                    .sorted(Comparator.comparing(MailAddress::canonical)).toList();
            return forward(entry, index, recipient, targets).thenApply(id -> {
                spooled.add(id);
                LOG.info("{}: <{}> forwarded to {} as {}", entry.id(), recipient, targets, id);
                return new RecipientState(recipient, DeliveryStatus.DELIVERED, attempts, null,
                        FORWARDED + targets.stream().map(t -> "<" + t + ">")
                                .collect(Collectors.joining(", ")) + " as " + id.value());
            });
        });
    }

    /**
     * Spools the copy of {@code entry} that an alias forwards to its remote {@code targets}: a new entry
     * with the same body (the spool takes its own reference on the blob), the original envelope
     * sender and parameters, and each target's ORCPT the alias address, so the targets' results and
     * notifications follow as for any message sent here. Its id is derived from the original's and
     * the alias's, so a run repeated after a crash finds it spooled ({@code CONFLICT}) and spools no
     * second copy. With {@link Outbound#arc()} the copy is ARC-sealed as the alias's domain, in a
     * body of its own. With {@link Outbound#srs()} the envelope sender becomes an SRS address of the
     * alias's domain (a null sender stays null), so the receiver's SPF check judges this server, which
     * sends the copy, and a bounce comes back here, where the address resolves to the original sender.
     */
    private CompletionStage<SpoolId> forward(SpoolEntry entry, int index, MailAddress alias, List<MailAddress> targets) {
        SpoolId id = forwardId(entry.id(), alias);
        Envelope original = entry.envelope();
        Set<Envelope.DsnNotify> notify = index < original.recipients().size()
                ? original.recipients().get(index).notifyOn() : Set.of();
        MailAddress sender = original.sender() == null || outbound.srs() == null ? original.sender()
                : outbound.srs().forward(original.sender(), alias.domain());
        Envelope envelope = new Envelope(sender, targets.stream()
                .map(t -> new Envelope.Recipient(t, notify, "rfc822;" + alias)).toList(), original.body(),
                original.smtpUtf8(), original.dsnReturn(), original.envId(), original.tls());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Function<StoredBlob, SpoolEntry> copyFor = blob -> SpoolEntry.queued(id, envelope, blob, now,
                new SpoolEntry.ClientInfo(FORWARDER, DsnSpooler.CLIENT_ADDRESS, null));
        CompletionStage<?> spooled = outbound.arc() == null ? spool.accept(copyFor.apply(entry.blob()))
                : outbound.arc().spool(spool, entry, alias.domain().ascii(), copyFor);
        return spooled.handle((v, failure) -> {
            if (failure == null || DsnSpooler.isConflict(failure)) {
                return id;
            }
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
    }

    /** The original's id, then the first 16 hex digits of SHA-256 over the alias address. */
    static SpoolId forwardId(SpoolId original, MailAddress alias) {
        return DsnSpooler.derivedId(original, "fwd", alias.canonical());
    }

    /**
     * Why {@code user}'s copy goes to Junk, if it does. Only mail from outside is judged: an
     * authenticated sender's, and what this server made (notifications, forwarded copies, reports), never.
     */
    private CompletionStage<Optional<String>> quarantineFor(SpoolEntry entry, MailAddress user) {
        return entry.client().authenticatedUser() == null && !DsnSpooler.isMadeHere(entry)
                ? quarantine.reason(entry, user) : CompletableFuture.completedFuture(Optional.empty());
    }

    private CompletionStage<Void> append(SpoolEntry entry, MailAddress user, boolean junk) {
        NewMessage message = new NewMessage(entry.blob(), entry.receivedAt(), Flags.NONE,
                entry.id().value() + "/" + user.canonical());
        return (junk ? junkMailbox(user) : inbox(user))
                .thenCompose(inbox -> mailboxes.append(inbox.id(), message))
                .thenCompose(result -> {
                    try {
                        events.publish(new MailboxEvent(user, result.mailbox(), MailboxEvent.Kind.APPENDED,
                                result.uid(), result.modSeq()));
                    } catch (RuntimeException e) {
                        // The message is stored; sessions that miss the hint see it at their next poll.
                        LOG.warn("Could not publish the append event for {}: {}", user, e.toString());
                    }
                    return warnings == null || result.duplicate() ? CompletableFuture.<Void>completedFuture(null)
                            : warnings.delivered(user, entry.blob().size(), entry.id().value());
                });
    }

    /**
     * The user's Junk mailbox: the one marked \Junk (RFC 6154), else the one named Junk, else a new
     * Junk mailbox marked \Junk (the user may have deleted it). The INBOX is provisioned first.
     */
    private CompletionStage<Mailbox> junkMailbox(MailAddress user) {
        return inbox(user).thenCompose(inbox -> mailboxes.list(user)).thenCompose(all -> {
            Optional<Mailbox> found = all.stream().filter(m -> m.specialUse().contains(SpecialUse.JUNK)).findFirst()
                    .or(() -> all.stream().filter(m -> m.path().equals(JUNK)).findFirst());
            if (found.isPresent()) {
                return CompletableFuture.completedFuture(found.get());
            }
            return mailboxes.create(user, JUNK, Set.of(SpecialUse.JUNK)).exceptionallyCompose(failure ->
                    // created meanwhile by a concurrent delivery or by the user
                    mailboxes.find(user, JUNK).thenApply(again -> again.orElseThrow(() -> failure instanceof
                            CompletionException c ? c : new CompletionException(failure))));
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
