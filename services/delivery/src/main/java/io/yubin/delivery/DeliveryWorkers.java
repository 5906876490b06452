package io.yubin.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.yubin.queue.DeliveryCoordination;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that take spool ids from the {@link DeliveryQueue} and run {@link LocalDelivery} on
 * each, one entry per thread at a time, on whichever member they run (issue 16 item 3).
 *
 * <p>Each taken entry is leased ({@link DeliveryCoordination}) for {@link Options#leaseTtl()},
 * renewed every third of it while the delivery runs, and released when it ends. An entry leased
 * already (offered twice, and another worker has it) is dropped: its holder finishes it, or its
 * lease lapses and the {@link SpoolSweep} offers it again. Nothing is scheduled in this process:
 * a deferred entry is released and the sweep re-offers it when due; after a store failure the
 * lease is kept for the backoff delay (doubling per failure in a row) and the sweep re-offers the
 * entry once it lapses.
 *
 * <p>Meters: {@code yubin.delivery.attempts} (timer, tag {@code outcome}: finished, pending, gone,
 * retry, leased), {@code yubin.delivery.recipients} (counter, tag {@code status}: delivered,
 * deferred, failed), {@code yubin.delivery.in.flight} and {@code yubin.delivery.queue.size} (gauges).
 */
public final class DeliveryWorkers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryWorkers.class);
    /** How long one take waits, which bounds how long a stop waits for an idle thread. */
    static final Duration POLL = Duration.ofMillis(250);
    /** The pause after the queue itself failed, so a broken queue does not spin a thread. */
    private static final Duration QUEUE_FAILURE_PAUSE = Duration.ofSeconds(1);

    /**
     * @param threads delivery threads
     * @param stopTimeout how long {@link #close()} waits for in-flight deliveries before interrupting them
     * @param attemptTimeout how long one delivery may take before it is counted as failed and retried
     * @param retryMin the first delay after a store failure; it doubles per failure of the same entry
     * @param retryMax the longest delay after a store failure
     * @param leaseTtl how long a lease on a taken entry lasts unless renewed: how soon after a
     *     member dies its entries are delivered elsewhere
     */
    public record Options(int threads, Duration stopTimeout, Duration attemptTimeout, Duration retryMin,
            Duration retryMax, Duration leaseTtl) {

        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("delivery needs at least one thread, was " + threads);
            }
            if (retryMin.isNegative() || retryMin.isZero() || retryMax.compareTo(retryMin) < 0) {
                throw new IllegalArgumentException("retry delays must be positive and retryMax >= retryMin");
            }
            if (leaseTtl.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("the lease time to live must be at least 1 s, was " + leaseTtl);
            }
        }

        /** {@code threads} threads, 30 s to stop, 5 min per attempt, retries from 1 s up to 5 min, 30 s leases. */
        public static Options of(int threads) {
            return new Options(threads, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(1),
                    Duration.ofMinutes(5), Duration.ofSeconds(30));
        }
    }

    private final DeliveryQueue queue;
    private final LocalDelivery delivery;
    private final DeliveryCoordination coordination;
    private final MeterRegistry registry;
    private final Options options;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Consecutive failures per entry, for the backoff; forgotten on the entry's next success. */
    private final Map<SpoolId, Integer> failures = new ConcurrentHashMap<>();
    private final Map<String, Counter> recipientCounters = new ConcurrentHashMap<>();
    /** The leases this member holds for deliveries running now; renewed by {@link #renewals}. */
    private final Set<SpoolId> held = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService renewals;
    private volatile boolean running = true;

    private DeliveryWorkers(DeliveryQueue queue, LocalDelivery delivery, DeliveryCoordination coordination,
            MeterRegistry registry, Options options) {
        this.queue = queue;
        this.delivery = delivery;
        this.coordination = coordination;
        this.registry = registry;
        this.options = options;
        this.renewals = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "yubin-delivery-lease-renewal");
            t.setDaemon(true);
            return t;
        });
    }

    public static DeliveryWorkers start(DeliveryQueue queue, LocalDelivery delivery,
            DeliveryCoordination coordination, MeterRegistry registry, Options options) {
        DeliveryWorkers workers = new DeliveryWorkers(queue, delivery, coordination, registry, options);
        long renewEvery = Math.max(100, options.leaseTtl().toMillis() / 3);
        workers.renewals.scheduleWithFixedDelay(workers::renewLeases, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        Gauge.builder("yubin.delivery.in.flight", workers.inFlight, AtomicInteger::get)
                .description("Spool entries being delivered now").register(registry);
        Gauge.builder("yubin.delivery.queue.size", queue, DeliveryQueue::size)
                .description("Spool ids waiting in the delivery queue").register(registry);
        for (int i = 1; i <= options.threads(); i++) {
            Thread t = new Thread(workers::run, "yubin-delivery-" + i);
            t.setDaemon(true);
            workers.threads.add(t);
        }
        workers.threads.forEach(Thread::start);
        LOG.info("Delivery started with {} threads", options.threads());
        return workers;
    }

    /** Deliveries running now. */
    public int inFlight() {
        return inFlight.get();
    }

    private void run() {
        while (running) {
            SpoolId id;
            try {
                id = queue.take(POLL);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("Could not take from the delivery queue: {}", e.toString());
                if (!pause(QUEUE_FAILURE_PAUSE)) {
                    return;
                }
                continue;
            }
            if (id != null && lease(id)) {
                // Taken means ours: it is delivered even when a stop began meanwhile (within stopTimeout).
                inFlight.incrementAndGet();
                try {
                    process(id);
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        }
    }

    /** Leases a taken entry; false (and the entry dropped) when another worker holds it. */
    private boolean lease(SpoolId id) {
        boolean acquired;
        try {
            acquired = coordination.acquire(id, options.leaseTtl());
        } catch (RuntimeException e) {
            // The Spool still has the entry; the sweep offers it again.
            LOG.warn("Could not lease spool entry {}; leaving it to the sweep: {}", id, e.toString());
            return false;
        }
        if (!acquired) {
            LOG.debug("Spool entry {} is leased by another worker; dropping this copy", id);
            Timer.builder("yubin.delivery.attempts").description("Delivery runs over one spool entry")
                    .tag("outcome", "leased").register(registry).record(0, TimeUnit.NANOSECONDS);
            return false;
        }
        held.add(id);
        return true;
    }

    private void renewLeases() {
        for (SpoolId id : held) {
            try {
                if (!coordination.renew(id, options.leaseTtl()) && held.contains(id)) {
                    LOG.warn("The lease on spool entry {} lapsed while it was being delivered; another member may "
                            + "deliver it too (harmless: delivery is idempotent)", id);
                }
            } catch (RuntimeException e) {
                LOG.warn("Could not renew the lease on spool entry {}: {}", id, e.toString());
            }
        }
    }

    /** Ends this member's work on {@code id}: the lease goes now, or lapses after {@code keepFor}. */
    private void endLease(SpoolId id, Duration keepFor) {
        held.remove(id);
        try {
            if (keepFor == null) {
                coordination.release(id);
            } else {
                coordination.renew(id, keepFor);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not end the lease on spool entry {}; it lapses by itself: {}", id, e.toString());
        }
    }

    private void process(SpoolId id) {
        long start = System.nanoTime();
        String outcome;
        try {
            LocalDelivery.Outcome result = delivery.deliver(id).toCompletableFuture()
                    .get(options.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
            failures.remove(id);
            for (RecipientState state : result.updated()) {
                recipientCounter(state.status().name().toLowerCase(Locale.ROOT)).increment();
            }
            offer(result.notifications());
            // A PENDING entry's deferred recipients are re-offered by the sweep when due.
            endLease(id, null);
            outcome = result.kind().name().toLowerCase(Locale.ROOT);
        } catch (ExecutionException | CompletionException e) {
            retryLater(id, e.getCause() == null ? e : e.getCause());
            outcome = "retry";
        } catch (TimeoutException e) {
            retryLater(id, e);
            outcome = "retry";
        } catch (InterruptedException e) {
            // Stopping: the spool still has the entry, and the sweep re-offers it.
            Thread.currentThread().interrupt();
            endLease(id, null);
            outcome = "interrupted";
        }
        Timer.builder("yubin.delivery.attempts").description("Delivery runs over one spool entry")
                .tag("outcome", outcome).register(registry)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /** Offers the entries a delivery made (notifications); one not offered is found by the sweep. */
    private void offer(List<SpoolId> made) {
        for (SpoolId id : made) {
            try {
                queue.offer(id).whenComplete((v, failure) -> {
                    if (failure != null) {
                        LOG.warn("Could not offer notification {}; the sweep will: {}", id, failure.toString());
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("Could not offer notification {}; the sweep will: {}", id, e.toString());
            }
        }
    }

    private void retryLater(SpoolId id, Throwable failure) {
        int n = failures.merge(id, 1, Integer::sum);
        Duration delay = backoff(n, options.retryMin(), options.retryMax());
        if (failure instanceof StoreException e && e.kind() == StoreException.Kind.UNAVAILABLE) {
            LOG.warn("Delivery of {} failed ({} in a row), trying again in {}: {}", id, n, delay, e.getMessage());
        } else {
            LOG.error("Delivery of {} failed ({} in a row), trying again in {}", id, n, delay, failure);
        }
        // The lease, kept for the delay, keeps the sweep off the entry until then.
        endLease(id, delay);
    }

    /** {@code min * 2^(n-1)}, at most {@code max}. */
    static Duration backoff(int failures, Duration min, Duration max) {
        int doublings = Math.min(failures - 1, 30);
        Duration delay = min.multipliedBy(1L << doublings);
        return delay.compareTo(max) > 0 ? max : delay;
    }

    private Counter recipientCounter(String status) {
        return recipientCounters.computeIfAbsent(status, s -> Counter.builder("yubin.delivery.recipients")
                .description("Recipient outcomes recorded by delivery").tag("status", s).register(registry));
    }

    private boolean pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return running;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /**
     * Stops taking work and waits up to {@link Options#stopTimeout()} for in-flight deliveries;
     * then interrupts what is left (the spool keeps those entries). Idempotent.
     *
     * @return true when every thread finished within the bound
     */
    public boolean stop() {
        running = false;
        try {
            return joinThreads();
        } finally {
            renewals.shutdownNow();
        }
    }

    private boolean joinThreads() {
        long deadline = System.nanoTime() + options.stopTimeout().toNanos();
        boolean clean = true;
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                clean = false;
                t.interrupt();
            }
        }
        if (!clean) {
            LOG.warn("Delivery threads still busy after {}; interrupted them (their entries stay in the spool)",
                    options.stopTimeout());
        }
        return clean;
    }

    @Override
    public void close() {
        stop();
    }
}
