package io.yubin.delivery;

import io.yubin.queue.DeliveryQueue;
import io.yubin.store.SpoolId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offers spool ids to the {@link DeliveryQueue} again later: deferred recipients when their next
 * attempt is due, and whole entries after a store failure. The timers live in this process only;
 * when it stops, {@link SpoolRecovery} finds the same entries in the spool at the next start.
 */
public final class DeliveryScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryScheduler.class);
    /** How long to wait before trying again when the queue refused an offer. */
    static final Duration OFFER_RETRY = Duration.ofSeconds(10);

    private final DeliveryQueue queue;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    /** The earliest re-offer scheduled per id, so that repeated requests do not pile up timers. */
    private final Map<SpoolId, Instant> pending = new ConcurrentHashMap<>();

    public DeliveryScheduler(DeliveryQueue queue, Clock clock) {
        this.queue = queue;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "yubin-delivery-scheduler");
            t.setDaemon(true);
            return t;
        });
    }

    /** Offers {@code id} at {@code when} (now when it has passed), unless an earlier offer is already scheduled. */
    public void reofferAt(SpoolId id, Instant when) {
        Instant previous = pending.merge(id, when, (a, b) -> a.isBefore(b) ? a : b);
        if (!previous.equals(when)) {
            return;
        }
        long delayMillis = Math.max(0, Duration.between(clock.instant(), when).toMillis());
        try {
            timer.schedule(() -> fire(id, when), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(id, when);
            LOG.debug("Not scheduling spool entry {}: the scheduler is closed; the spool still has it", id);
        }
    }

    public void reofferAfter(SpoolId id, Duration delay) {
        reofferAt(id, clock.instant().plus(delay));
    }

    /** Ids waiting for a timer. */
    public int scheduled() {
        return pending.size();
    }

    private void fire(SpoolId id, Instant when) {
        if (!pending.remove(id, when)) {
            return;
        }
        queue.offer(id).whenComplete((v, failure) -> {
            if (failure != null && !timer.isShutdown()) {
                LOG.warn("Could not re-offer spool entry {} ({}); trying again in {}", id, failure.toString(),
                        OFFER_RETRY);
                reofferAfter(id, OFFER_RETRY);
            }
        });
    }

    /** Drops the timers; the spool still holds every entry they were for. */
    @Override
    public void close() {
        timer.shutdownNow();
        pending.clear();
    }
}
