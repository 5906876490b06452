package io.yubin.delivery;

import io.yubin.queue.DeliveryCoordination;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the delivery queue match the Spool, cluster-wide (issue 16 item 3; docs/architecture.md
 * §4.1: the queue is not the source of truth). Every {@link Options#interval()} the one member
 * that {@link DeliveryCoordination#sweeper() sweeps} pages through {@link Spool#unfinished} and
 * offers each entry that is due and that nobody holds: neither waiting in the queue nor leased by
 * a worker. That one mechanism covers what timers in one process's memory used to:
 *
 * <ul>
 *   <li>deferred recipients whose next attempt has come;
 *   <li>entries whose worker failed on the store (the worker keeps the lease for the backoff
 *       delay, so the sweep leaves them alone until it lapses);
 *   <li>entries taken by a member that died: its leases expire and the entries are due again;
 *   <li>entries offered to a queue that was lost, and every unfinished entry after a restart.
 * </ul>
 *
 * An entry with QUEUED recipients only is left alone for {@link Options#queuedGrace()} after it
 * was received, so that the sweep does not race the member that accepted it and is offering it
 * now; but not when it was received before this sweep started. The sweeper is the oldest member,
 * so every member alive now started after such an entry came: whoever accepted it is gone (a
 * crash, a restart) and will never offer it, and after a restart nothing waits. An id offered twice (a race with a worker between take and lease) is delivered once:
 * delivery is idempotent per (spool id, recipient).
 */
public final class SpoolSweep implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolSweep.class);

    /** Spool ids read per page. */
    public static final int PAGE_SIZE = 500;
    /** How long one store or queue call of a sweep may take. */
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    /**
     * @param interval the pause between the end of one sweep and the start of the next
     * @param queuedGrace how long a never-attempted entry is left to the member that accepted it
     * @param pageSize spool ids read per page
     */
    public record Options(Duration interval, Duration queuedGrace, int pageSize) {

        public Options {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("the sweep interval must be positive, was " + interval);
            }
            if (queuedGrace.isNegative()) {
                throw new IllegalArgumentException("the grace for queued entries must not be negative");
            }
            if (pageSize < 1) {
                throw new IllegalArgumentException("the page size must be at least 1, was " + pageSize);
            }
        }

        /** Sweeps every {@code interval}; a new entry is the accepting member's for one interval. */
        public static Options every(Duration interval) {
            return new Options(interval, interval, PAGE_SIZE);
        }
    }

    /**
     * What one sweep found among the unfinished entries.
     *
     * @param offered due, and nobody had them: offered now
     * @param leased due, but a worker holds a lease on them
     * @param queued due, and already in the queue
     * @param notDue deferred until later, or just accepted
     */
    public record Summary(int offered, int leased, int queued, int notDue) {
    }

    private final Spool spool;
    private final DeliveryQueue queue;
    private final DeliveryCoordination coordination;
    private final Clock clock;
    private final Options options;
    private final ScheduledExecutorService thread;
    /** Entries received before this are no live member's to offer (see the class comment). */
    private final Instant startedAt;

    public SpoolSweep(Spool spool, DeliveryQueue queue, DeliveryCoordination coordination, Clock clock,
            Options options) {
        this.spool = spool;
        this.queue = queue;
        this.coordination = coordination;
        this.clock = clock;
        this.options = options;
        this.startedAt = clock.instant();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "yubin-spool-sweep");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sweeps now and then every {@link Options#interval()}, whenever this member is the sweeper.
     * In the background: a large spool must not hold up the start; new mail is offered directly.
     */
    public SpoolSweep start() {
        thread.scheduleWithFixedDelay(this::tick, 0, options.interval().toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void tick() {
        try {
            if (coordination.sweeper()) {
                sweepOnce();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            // Caught, or the executor would cancel every later sweep.
            LOG.warn("Spool sweep failed; the next one in {}: {}", options.interval(), e.toString());
        }
    }

    /**
     * One pass over the unfinished entries, oldest first, whichever member this is. Blocking:
     * called on the sweep's own thread, and by tests.
     */
    public Summary sweepOnce() throws InterruptedException, ExecutionException, TimeoutException {
        Instant now = clock.instant();
        Set<SpoolId> waiting = queue.queued();
        Summary summary = new Summary(0, 0, 0, 0);
        SpoolId after = null;
        while (true) {
            List<SpoolId> ids = get(spool.unfinished(after, options.pageSize()).toCompletableFuture());
            summary = sweepPage(ids, now, waiting, summary);
            if (ids.size() < options.pageSize()) {
                break;
            }
            after = ids.get(ids.size() - 1);
        }
        if (summary.offered() > 0) {
            LOG.info("Spool sweep offered {} entries for delivery ({} leased, {} queued, {} not due)",
                    summary.offered(), summary.leased(), summary.queued(), summary.notDue());
        } else {
            LOG.debug("Spool sweep: nothing to offer ({} leased, {} queued, {} not due)", summary.leased(),
                    summary.queued(), summary.notDue());
        }
        return summary;
    }

    private Summary sweepPage(List<SpoolId> ids, Instant now, Set<SpoolId> waiting, Summary s)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<CompletableFuture<Optional<SpoolEntry>>> finds = new ArrayList<>();
        for (SpoolId id : ids) {
            finds.add(spool.find(id).toCompletableFuture());
        }
        List<SpoolId> due = new ArrayList<>();
        int queued = 0;
        int notDue = 0;
        for (CompletableFuture<Optional<SpoolEntry>> find : finds) {
            Optional<SpoolEntry> entry = get(find);
            if (entry.isEmpty() || entry.get().finished()) {
                continue;
            }
            if (!due(entry.get(), now)) {
                notDue++;
            } else if (waiting.contains(entry.get().id())) {
                queued++;
            } else {
                due.add(entry.get().id());
            }
        }
        Set<SpoolId> leased = due.isEmpty() ? Set.of() : coordination.leased(due);
        List<CompletableFuture<Void>> offers = new ArrayList<>();
        for (SpoolId id : due) {
            if (!leased.contains(id)) {
                offers.add(queue.offer(id).toCompletableFuture());
            }
        }
        for (CompletableFuture<Void> offer : offers) {
            get(offer);
        }
        return new Summary(s.offered() + offers.size(), s.leased() + leased.size(), s.queued() + queued,
                s.notDue() + notDue);
    }

    /** A deferred recipient whose time has come, or a queued one no live member is offering. */
    private boolean due(SpoolEntry entry, Instant now) {
        boolean pastGrace = entry.receivedAt().isBefore(startedAt)
                || !entry.receivedAt().plus(options.queuedGrace()).isAfter(now);
        for (RecipientState r : entry.recipients()) {
            if (r.status() == DeliveryStatus.QUEUED && pastGrace) {
                return true;
            }
            if (r.status() == DeliveryStatus.DEFERRED && (r.nextAttempt() == null || !r.nextAttempt().isAfter(now))) {
                return true;
            }
        }
        return false;
    }

    private static <T> T get(CompletableFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops sweeping; a sweep under way is interrupted. The Spool keeps every entry. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
