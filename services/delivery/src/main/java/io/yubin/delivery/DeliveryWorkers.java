package io.yubin.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads that take spool ids from the {@link DeliveryQueue} and run {@link LocalDelivery} on
 * each, one entry per thread at a time. Deferred entries and entries the store failed on are
 * handed to the {@link DeliveryScheduler}; the latter with exponential backoff.
 *
 * <p>Meters: {@code yubin.delivery.attempts} (timer, tag {@code outcome}: finished, pending, gone,
 * retry), {@code yubin.delivery.recipients} (counter, tag {@code status}: delivered, deferred,
 * failed), {@code yubin.delivery.in.flight} and {@code yubin.delivery.queue.size} (gauges).
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
     */
    public record Options(int threads, Duration stopTimeout, Duration attemptTimeout, Duration retryMin,
            Duration retryMax) {

        public Options {
            if (threads < 1) {
                throw new IllegalArgumentException("delivery needs at least one thread, was " + threads);
            }
            if (retryMin.isNegative() || retryMin.isZero() || retryMax.compareTo(retryMin) < 0) {
                throw new IllegalArgumentException("retry delays must be positive and retryMax >= retryMin");
            }
        }

        /** {@code threads} threads, 30 s to stop, 5 min per attempt, retries from 1 s up to 5 min. */
        public static Options of(int threads) {
            return new Options(threads, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofSeconds(1),
                    Duration.ofMinutes(5));
        }
    }

    private final DeliveryQueue queue;
    private final LocalDelivery delivery;
    private final DeliveryScheduler scheduler;
    private final MeterRegistry registry;
    private final Options options;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Consecutive failures per entry, for the backoff; forgotten on the entry's next success. */
    private final Map<SpoolId, Integer> failures = new ConcurrentHashMap<>();
    private final Map<String, Counter> recipientCounters = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    private DeliveryWorkers(DeliveryQueue queue, LocalDelivery delivery, DeliveryScheduler scheduler,
            MeterRegistry registry, Options options) {
        this.queue = queue;
        this.delivery = delivery;
        this.scheduler = scheduler;
        this.registry = registry;
        this.options = options;
    }

    public static DeliveryWorkers start(DeliveryQueue queue, LocalDelivery delivery, DeliveryScheduler scheduler,
            MeterRegistry registry, Options options) {
        DeliveryWorkers workers = new DeliveryWorkers(queue, delivery, scheduler, registry, options);
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
            if (id != null) {
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
            if (result.kind() == LocalDelivery.Outcome.Kind.PENDING) {
                scheduler.reofferAt(id, result.nextAttempt());
            }
            outcome = result.kind().name().toLowerCase(Locale.ROOT);
        } catch (ExecutionException | CompletionException e) {
            retryLater(id, e.getCause() == null ? e : e.getCause());
            outcome = "retry";
        } catch (TimeoutException e) {
            retryLater(id, e);
            outcome = "retry";
        } catch (InterruptedException e) {
            // Stopping: the spool still has the entry, and the next start re-offers it.
            Thread.currentThread().interrupt();
            outcome = "interrupted";
        }
        Timer.builder("yubin.delivery.attempts").description("Delivery runs over one spool entry")
                .tag("outcome", outcome).register(registry)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    private void retryLater(SpoolId id, Throwable failure) {
        int n = failures.merge(id, 1, Integer::sum);
        Duration delay = backoff(n, options.retryMin(), options.retryMax());
        if (failure instanceof StoreException e && e.kind() == StoreException.Kind.UNAVAILABLE) {
            LOG.warn("Delivery of {} failed ({} in a row), trying again in {}: {}", id, n, delay, e.getMessage());
        } else {
            LOG.error("Delivery of {} failed ({} in a row), trying again in {}", id, n, delay, failure);
        }
        scheduler.reofferAfter(id, delay);
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
