package io.yubin.delivery;

import io.yubin.queue.DeliveryQueue;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the queue match the spool after a start (docs/architecture.md §4.1: the queue is not the source
 * of truth): every unfinished entry with a QUEUED recipient, or a DEFERRED one that is due, is
 * offered again; entries whose deferred recipients are not due yet are scheduled for then. An
 * entry that is also still in the queue is then delivered twice, which delivery makes harmless.
 */
public final class SpoolRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolRecovery.class);

    /** Spool ids read per page. */
    public static final int PAGE_SIZE = 500;

    /**
     * @param offered entries offered to the queue now
     * @param scheduled entries scheduled for their next attempt
     */
    public record Summary(int offered, int scheduled) {
    }

    private final Spool spool;
    private final DeliveryQueue queue;
    private final DeliveryScheduler scheduler;
    private final Clock clock;
    private final int pageSize;

    public SpoolRecovery(Spool spool, DeliveryQueue queue, DeliveryScheduler scheduler, Clock clock) {
        this(spool, queue, scheduler, clock, PAGE_SIZE);
    }

    SpoolRecovery(Spool spool, DeliveryQueue queue, DeliveryScheduler scheduler, Clock clock, int pageSize) {
        this.spool = spool;
        this.queue = queue;
        this.scheduler = scheduler;
        this.clock = clock;
        this.pageSize = pageSize;
    }

    /** One pass over the unfinished entries, oldest first. */
    public CompletionStage<Summary> run() {
        Instant now = clock.instant();
        return page(null, now, new Summary(0, 0)).whenComplete((summary, failure) -> {
            if (failure != null) {
                LOG.error("Spool recovery failed; entries not yet offered wait for the next start", failure);
            } else if (summary.offered() + summary.scheduled() > 0) {
                LOG.info("Spool recovery: {} entries offered for delivery, {} scheduled for later",
                        summary.offered(), summary.scheduled());
            }
        });
    }

    private CompletionStage<Summary> page(SpoolId after, Instant now, Summary sofar) {
        return spool.unfinished(after, pageSize).thenCompose(ids -> {
            CompletionStage<Summary> chain = CompletableFuture.completedFuture(sofar);
            for (SpoolId id : ids) {
                chain = chain.thenCompose(s -> spool.find(id).thenCompose(entry -> recover(entry, now, s)));
            }
            return ids.size() < pageSize ? chain
                    : chain.thenCompose(s -> page(ids.get(ids.size() - 1), now, s));
        });
    }

    private CompletionStage<Summary> recover(Optional<SpoolEntry> found, Instant now, Summary s) {
        if (found.isEmpty() || found.get().finished()) {
            return CompletableFuture.completedFuture(s);
        }
        SpoolEntry entry = found.get();
        List<RecipientState> open = entry.recipients().stream().filter(r -> !r.status().isFinal()).toList();
        boolean due = open.stream().anyMatch(r -> r.status() == DeliveryStatus.QUEUED
                || r.nextAttempt() == null || !r.nextAttempt().isAfter(now));
        if (due) {
            return queue.offer(entry.id()).thenApply(v -> new Summary(s.offered() + 1, s.scheduled()));
        }
        Instant next = open.stream().map(RecipientState::nextAttempt).min(Instant::compareTo).orElse(now);
        scheduler.reofferAt(entry.id(), next);
        return CompletableFuture.completedFuture(new Summary(s.offered(), s.scheduled() + 1));
    }
}
