package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.store.MailboxId;
import io.yubin.store.NewMessage;
import io.yubin.store.StoreException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per mailbox in this process (docs/architecture.md §4.3): every change to a mailbox runs
 * here, one after the other, and appends that queue up while one runs go together as one batch, so a
 * burst of deliveries to one mailbox costs one lightweight transaction, not one each.
 *
 * <p>The writer keeps the mailbox's counters between changes. Each change moves them with a
 * conditional update ({@code IF uid_next = ? AND highest_modseq = ?}), the fence against a stale
 * writer elsewhere: when it is not applied, the counters are read again and the change is computed
 * again. Message rows are written only after the counters moved, into UIDs nobody else can have, and
 * a change is acknowledged only after its rows are written.
 *
 * <p>Never late (§4.3): readers see the mailbox only up to its published watermark
 * ({@code uid_visible}, {@code modseq_visible}), which a change moves from where it started to where
 * it ended, by a second conditional update, once all its rows are written. A change starts only from
 * published counters, so at most one change per mailbox is in flight in the whole cluster and the
 * watermark never passes a UID or MODSEQ whose row is still to come. When this writer's own change
 * fails after its counters moved (Cassandra went away mid-change), the writer keeps it
 * ({@link #apply}) and, before anything else and at the latest after a back-off, writes the same rows
 * again (they are idempotent: the same values under the same keys) and publishes. (Moving {@code uid_visible} with
 * a plain write let writer B publish past the UIDs writer A had taken but not yet written, and readers
 * bounded by {@code uid_next} saw the rows of one batch in whatever order they landed.) A change left
 * unpublished by a writer that died is published by the next writer once it is older than
 * {@link Writers#abandonedAfter}: rows it never wrote leave gaps, which UIDs may have (RFC 9051
 * §2.3.1.1).
 *
 * <p>Retries because another writer held or moved the counters are counted
 * ({@link Writers#fencedRetries}): routing every change of a mailbox to one member keeps them rare.
 */
final class MailboxWriter {

    /**
     * The counters of one mailbox, as in {@code mailbox_state}.
     *
     * @param uidVisible {@code uid_visible}: readers see UIDs below it
     * @param modSeqVisible {@code modseq_visible}: readers see changes up to it
     * @param changedAtMicros when the counters last moved ({@code WRITETIME}), to tell an abandoned change
     */
    record State(long uidValidity, long uidNext, long highestModSeq, long messages, long unseen, long deleted,
            long bytes, long recentUpto, long uidVisible, long modSeqVisible, long changedAtMicros) {

        /** Counters with nothing in flight: what a change moves them to. */
        State(long uidValidity, long uidNext, long highestModSeq, long messages, long unseen, long deleted,
                long bytes, long recentUpto) {
            this(uidValidity, uidNext, highestModSeq, messages, unseen, deleted, bytes, recentUpto, uidNext,
                    highestModSeq, 0);
        }

        /**
         * A watermark missing (a row from before the V2 migration) counts as published, and one above
         * the counters (impossible unless rows were edited by hand) as at them.
         */
        static State of(Row r) {
            long uidNext = r.getLong("uid_next");
            long highest = r.getLong("highest_modseq");
            long uidVisible = r.isNull("uid_visible") ? uidNext : Math.min(r.getLong("uid_visible"), uidNext);
            long modSeqVisible = r.isNull("modseq_visible") ? highest : Math.min(r.getLong("modseq_visible"), highest);
            return new State(r.getLong("uid_validity"), uidNext, highest, r.getLong("messages"), r.getLong("unseen"),
                    r.getLong("deleted"), r.getLong("bytes"), r.getLong("recent_upto"), uidVisible, modSeqVisible,
                    r.isNull("changed_at") ? 0 : r.getLong("changed_at"));
        }

        State withRecentUpto(long uid) {
            return new State(uidValidity, uidNext, highestModSeq, messages, unseen, deleted, bytes, uid, uidVisible,
                    modSeqVisible, changedAtMicros);
        }

        /** No change is in flight: every row below the counters is written. */
        boolean published() {
            return uidVisible == uidNext && modSeqVisible == highestModSeq;
        }

        /**
         * The mailbox as readers may see it: UIDNEXT and HIGHESTMODSEQ at the watermark. The message
         * counts may already include a change in flight; they are not promised to match a listing.
         */
        State visible() {
            return new State(uidValidity, uidVisible, modSeqVisible, messages, unseen, deleted, bytes, recentUpto,
                    uidVisible, modSeqVisible, changedAtMicros);
        }
    }

    /** Thrown by {@link #commit} when another writer moved the counters: the change runs again. */
    static final class Stale extends RuntimeException {
        Stale() {
            super("mailbox counters moved", null, false, false);
        }
    }

    /** A change that runs with the writer's counters. */
    interface Change<T> {
        CompletionStage<T> run(MailboxWriter writer, State state);
    }

    /** Appends queued together; {@link Writers} hands them to the batch function as one change. */
    record Append(NewMessage message, CompletableFuture<Object> result) {
    }

    private static final String STATE_COLUMNS = "uid_validity, uid_next, uid_visible, highest_modseq, modseq_visible, "
            + "messages, unseen, deleted, bytes, recent_upto, WRITETIME(highest_modseq) AS changed_at";
    private static final Logger LOG = LoggerFactory.getLogger(MailboxWriter.class);
    private static final int MAX_BATCH = 128;
    private static final int MAX_ATTEMPTS = 10;

    private final String id;
    private final Cql cql;
    private final Writers owner;
    private final Deque<Object> queue = new ArrayDeque<>();
    private boolean running;
    private State state;
    /** This writer's change whose counters moved but whose rows or watermark failed; null when none. */
    private volatile Redo redo;
    private int redoFailures;

    /** A change to finish: the counters it moved to and its (idempotent) row writes. */
    private record Redo(State to, java.util.function.Supplier<CompletionStage<?>> rows) {
    }

    private MailboxWriter(String id, Cql cql, Writers owner) {
        this.id = id;
        this.cql = cql;
        this.owner = owner;
    }

    String id() {
        return id;
    }

    /** The writers of one store, created on demand and dropped when idle. */
    static final class Writers {
        private final ConcurrentHashMap<String, MailboxWriter> writers = new ConcurrentHashMap<>();
        private final Cql cql;
        private final Function<List<Append>, Change<List<Object>>> batch;
        private final java.util.concurrent.atomic.AtomicLong commits = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong retries = new java.util.concurrent.atomic.AtomicLong();
        private final Runnable retried;
        private final Duration abandonedAfter;

        /**
         * @param batch turns queued appends into one change whose results are in the same order
         * @param retried told of every fenced retry (a metric), besides {@link #fencedRetries}
         * @param abandonedAfter how long a change may stay unpublished before the next writer publishes
         *        it: longer than a live writer can take to write its rows (request timeout and retries)
         */
        Writers(Cql cql, Function<List<Append>, Change<List<Object>>> batch, Runnable retried,
                Duration abandonedAfter) {
            this.cql = cql;
            this.batch = batch;
            this.retried = retried;
            this.abandonedAfter = abandonedAfter;
        }

        <T> CompletionStage<T> submit(MailboxId mailbox, Change<T> change) {
            CompletableFuture<T> result = new CompletableFuture<>();
            enqueue(mailbox.value(), new Single<>(change, result));
            return result;
        }

        CompletionStage<Object> append(MailboxId mailbox, NewMessage message) {
            CompletableFuture<Object> result = new CompletableFuture<>();
            enqueue(mailbox.value(), new Append(message, result));
            return result;
        }

        private void enqueue(String id, Object task) {
            MailboxWriter[] start = new MailboxWriter[1];
            writers.compute(id, (k, w) -> {
                MailboxWriter writer = w == null ? new MailboxWriter(k, cql, this) : w;
                if (writer.offer(task)) {
                    start[0] = writer;
                }
                return writer;
            });
            if (start[0] != null) {
                start[0].runNext();
            }
        }

        /** Conditional counter updates sent so far (applied or not): what batching saves. */
        long commits() {
            return commits.get();
        }

        /**
         * Changes run again because another writer had moved the counters (the fence) or had a change
         * in flight: what routing a mailbox's changes to one member saves.
         */
        long fencedRetries() {
            return retries.get();
        }

        private void retire(MailboxWriter writer) {
            // A writer with a change to finish stays: it alone knows the rows.
            writers.computeIfPresent(writer.id, (k, w) -> w == writer && writer.idle() && writer.redo == null ? null : w);
        }
    }

    private record Single<T>(Change<T> change, CompletableFuture<T> result) {
    }

    private synchronized boolean offer(Object task) {
        queue.add(task);
        if (running) {
            return false;
        }
        running = true;
        return true;
    }

    private synchronized boolean idle() {
        return !running && queue.isEmpty();
    }

    /** The next task, or all appends at the head of the queue; null (and not running) when empty. */
    private synchronized List<Object> take() {
        if (queue.isEmpty()) {
            running = false;
            return null;
        }
        List<Object> out = new ArrayList<>();
        out.add(queue.poll());
        if (out.get(0) instanceof Append) {
            while (out.size() < MAX_BATCH && queue.peek() instanceof Append) {
                out.add(queue.poll());
            }
        }
        return out;
    }

    private void runNext() {
        List<Object> tasks = take();
        if (tasks == null) {
            owner.retire(this);
            return;
        }
        CompletionStage<?> done;
        if (tasks.get(0) instanceof Single<?> single) {
            done = runSingle(single);
        } else {
            List<Append> appends = tasks.stream().map(t -> (Append) t).toList();
            done = attempt(owner.batch.apply(appends), 1).whenComplete((results, failure) -> {
                for (int i = 0; i < appends.size(); i++) {
                    if (failure != null) {
                        appends.get(i).result().completeExceptionally(unwrap(failure));
                    } else {
                        appends.get(i).result().complete(results.get(i));
                    }
                }
            });
        }
        done.whenComplete((v, e) -> runNext());
    }

    private <T> CompletionStage<T> runSingle(Single<T> single) {
        return attempt(single.change(), 1).whenComplete((value, failure) -> {
            if (failure != null) {
                single.result().completeExceptionally(unwrap(failure));
            } else {
                single.result().complete(value);
            }
        });
    }

    private <T> CompletionStage<T> attempt(Change<T> change, int attempt) {
        return published().thenCompose(s -> change.run(this, s)).handle((value, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(value);
            }
            Throwable cause = unwrap(failure);
            // After any failure the counters may have moved or not (a timed-out transaction may still
            // apply): read them again before the next change.
            state = null;
            if (!(cause instanceof Stale)) {
                if (cause instanceof StoreException e && e.kind() == StoreException.Kind.NOT_FOUND) {
                    redo = null;
                } else if (redo != null) {
                    scheduleRedo();
                }
                return CompletableFuture.<T>failedFuture(cause);
            }
            owner.retries.incrementAndGet();
            owner.retried.run();
            if (attempt >= MAX_ATTEMPTS) {
                return CompletableFuture.<T>failedFuture(StoreException.unavailable(
                        "mailbox " + id + " is being changed elsewhere; try again", null));
            }
            // Two writers racing on one mailbox: back off a random while so that one of them wins.
            long pause = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 5L << attempt);
            return CompletableFuture.supplyAsync(() -> null,
                    CompletableFuture.delayedExecutor(pause, java.util.concurrent.TimeUnit.MILLISECONDS))
                    .thenCompose(v -> attempt(change, attempt + 1));
        }).thenCompose(f -> f);
    }

    /**
     * The counters once no change is in flight. While another writer's change is unpublished this
     * fails with {@link Stale} (the caller backs off and reads again); a change unpublished for longer
     * than {@link Writers#abandonedAfter} is published here first, its writer being presumed dead.
     */
    private CompletionStage<State> published() {
        return state().thenCompose(s -> {
            Redo own = redo;
            if (s.published()) {
                // Published (by us or, after the grace, by another writer) or never applied: nothing
                // of ours may be written any more.
                redo = null;
                return CompletableFuture.completedFuture(s);
            }
            state = null;
            if (own != null) {
                redo = null;
                // Nobody can commit on top of an unpublished change, so counters equal to ours are ours.
                if (own.to().uidNext() == s.uidNext() && own.to().highestModSeq() == s.highestModSeq()) {
                    redo = own;
                    LOG.info("Mailbox {}: writing the rows of a failed change again (UIDs {}..{}, MODSEQ {}..{})", id,
                            s.uidVisible(), s.uidNext() - 1, s.modSeqVisible() + 1, s.highestModSeq());
                    return own.rows().get().thenCompose(v -> publish(own.to())).thenCompose(v -> {
                        redo = null;
                        redoFailures = 0;
                        return published();
                    });
                }
            }
            long ageMicros = System.currentTimeMillis() * 1000 - s.changedAtMicros();
            if (ageMicros < owner.abandonedAfter.toNanos() / 1000) {
                return CompletableFuture.<State>failedFuture(new Stale());
            }
            LOG.warn("Mailbox {}: publishing a change left unpublished for {} s (UIDs {}..{}, MODSEQ {}..{}); its "
                    + "writer is presumed dead", id, ageMicros / 1_000_000, s.uidVisible(), s.uidNext() - 1,
                    s.modSeqVisible() + 1, s.highestModSeq());
            return publish(s).thenCompose(v -> CompletableFuture.<State>failedFuture(new Stale()));
        });
    }
    private CompletionStage<State> state() {
        State known = state;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return read(cql, id).thenApply(found -> {
            State s = found.orElseThrow(() -> StoreException.notFound("mailbox", "no mailbox " + id));
            state = s;
            return s;
        });
    }

    static CompletionStage<Optional<State>> read(Cql cql, String mailboxId) {
        return cql.one("SELECT " + STATE_COLUMNS + " FROM mailbox_state WHERE id = ?", mailboxId)
                .thenApply(row -> row.map(State::of));
    }

    /** The counters as readers may see them ({@link State#visible}). */
    static CompletionStage<Optional<State>> readVisible(Cql cql, String mailboxId) {
        return read(cql, mailboxId).thenApply(found -> found.map(State::visible));
    }

    /**
     * Moves the counters from {@code from} to {@code to}, fenced: fails with {@link Stale} when they
     * are no longer {@code from}, with NOT_FOUND when the mailbox is gone.
     */
    CompletionStage<Void> commit(State from, State to) {
        owner.commits.incrementAndGet();
        return cql.conditional("UPDATE mailbox_state SET uid_next = ?, highest_modseq = ?, messages = ?, unseen = ?, "
                + "deleted = ?, bytes = ?, recent_upto = ? WHERE id = ? IF uid_next = ? AND highest_modseq = ? "
                + "AND recent_upto = ?", to.uidNext(), to.highestModSeq(), to.messages(), to.unseen(), to.deleted(),
                to.bytes(), to.recentUpto(), id, from.uidNext(), from.highestModSeq(), from.recentUpto())
                .thenAccept(current -> {
                    if (current.isEmpty()) {
                        state = to;
                        return;
                    }
                    Row r = current.get();
                    if (!r.getColumnDefinitions().contains("uid_next") || r.isNull("uid_next")) {
                        throw StoreException.notFound("mailbox", "no mailbox " + id);
                    }
                    throw new Stale();
                });
    }

    /**
     * Moves the watermark to {@code to}, the counters a change of this writer (or an abandoned one)
     * moved to, once its rows are all written. Not applied when the counters moved on since: then a
     * writer that presumed this one dead published it already, and nothing is lost.
     */
    CompletionStage<Void> publish(State to) {
        return cql.conditional("UPDATE mailbox_state SET uid_visible = ?, modseq_visible = ? WHERE id = ? "
                + "IF uid_next = ? AND highest_modseq = ?", to.uidNext(), to.highestModSeq(), id, to.uidNext(),
                to.highestModSeq()).thenAccept(current -> {
                    if (!current.isEmpty()) {
                        state = null;
                    }
                });
    }

    /**
     * Moves the counters from {@code from} to {@code to} ({@link #commit}), writes the change's rows,
     * then publishes. Should the rows or the watermark fail once the counters moved, the change is kept
     * and finished by this writer ({@link #published}) rather than left for the grace.
     */
    CompletionStage<Void> apply(State from, State to, java.util.function.Supplier<CompletionStage<?>> rows) {
        return commit(from, to).thenCompose(v -> {
            redo = new Redo(to, rows);
            return rows.get();
        }).thenCompose(v -> publish(to)).thenRun(() -> redo = null);
    }

    /** Finishes a failed change of this writer after a back-off, even when no other change comes. */
    private void scheduleRedo() {
        long delay = Math.min(30_000, 500L << Math.min(6, redoFailures++));
        CompletableFuture.delayedExecutor(delay, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() -> {
            if (redo != null) {
                owner.submit(new io.yubin.store.MailboxId(id), (w, s) -> CompletableFuture.completedFuture(null))
                        .whenComplete((v, e) -> {
                            if (e != null) {
                                LOG.debug("Mailbox {}: finishing a failed change: {}", id, e.toString());
                            }
                        });
            }
        });
    }

    /** After the mailbox was deleted: the next change reads (and misses) the counters. */
    void forget() {
        state = null;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof StoreException || cause instanceof Stale ? cause : Cql.unavailable(cause);
    }
}
