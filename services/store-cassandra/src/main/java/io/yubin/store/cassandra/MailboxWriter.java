package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.store.MailboxId;
import io.yubin.store.NewMessage;
import io.yubin.store.StoreException;
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
 */
final class MailboxWriter {

    /** The counters of one mailbox, as in {@code mailbox_state}. */
    record State(long uidValidity, long uidNext, long highestModSeq, long messages, long unseen, long deleted,
            long bytes, long recentUpto) {

        static State of(Row r) {
            return new State(r.getLong("uid_validity"), r.getLong("uid_next"), r.getLong("highest_modseq"),
                    r.getLong("messages"), r.getLong("unseen"), r.getLong("deleted"), r.getLong("bytes"),
                    r.getLong("recent_upto"));
        }

        State withRecentUpto(long uid) {
            return new State(uidValidity, uidNext, highestModSeq, messages, unseen, deleted, bytes, uid);
        }

        /**
         * The UIDNEXT to tell clients: {@code uid_visible}, which a writer moves up to {@code uid_next}
         * once the new messages' rows are written. A late or lost update only makes it lower, which
         * is safe: every later message still gets a UID at or above it.
         */
        static long visibleUidNext(Row r) {
            return r.isNull("uid_visible") ? r.getLong("uid_next") : Math.min(r.getLong("uid_visible"),
                    r.getLong("uid_next"));
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

    private static final String STATE_COLUMNS =
            "uid_validity, uid_next, uid_visible, highest_modseq, messages, unseen, deleted, bytes, recent_upto";
    private static final int MAX_BATCH = 128;
    private static final int MAX_ATTEMPTS = 10;

    private final String id;
    private final Cql cql;
    private final Writers owner;
    private final Deque<Object> queue = new ArrayDeque<>();
    private boolean running;
    private State state;

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

        /** {@code batch} turns queued appends into one change whose results are in the same order. */
        Writers(Cql cql, Function<List<Append>, Change<List<Object>>> batch) {
            this.cql = cql;
            this.batch = batch;
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

        private void retire(MailboxWriter writer) {
            writers.computeIfPresent(writer.id, (k, w) -> w == writer && writer.idle() ? null : w);
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
        return state().thenCompose(s -> change.run(this, s)).handle((value, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(value);
            }
            Throwable cause = unwrap(failure);
            if (!(cause instanceof Stale)) {
                // After any failure the counters may have moved or not (a timed-out transaction may
                // still apply): read them again before the next change.
                state = null;
                return CompletableFuture.<T>failedFuture(cause);
            }
            state = null;
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

    /** The counters with UIDNEXT as clients may see it ({@link State#visibleUidNext}). */
    static CompletionStage<Optional<State>> readVisible(Cql cql, String mailboxId) {
        return cql.one("SELECT " + STATE_COLUMNS + " FROM mailbox_state WHERE id = ?", mailboxId)
                .thenApply(row -> row.map(r -> {
                    State s = State.of(r);
                    return new State(s.uidValidity(), State.visibleUidNext(r), s.highestModSeq(), s.messages(),
                            s.unseen(), s.deleted(), s.bytes(), s.recentUpto());
                }));
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

    /** After the mailbox was deleted: the next change reads (and misses) the counters. */
    void forget() {
        state = null;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof StoreException || cause instanceof Stale ? cause : Cql.unavailable(cause);
    }
}
