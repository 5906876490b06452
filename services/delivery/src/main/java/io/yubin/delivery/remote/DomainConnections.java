package io.yubin.delivery.remote;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * At most {@code max} SMTP sessions at once to the servers of one recipient domain, as Postfix's
 * {@code default_destination_concurrency_limit} (20): a receiving server that sees hundreds of
 * connections from one sender at once throttles or blocks it. A delivery beyond the limit waits for
 * a session of that domain to end, at most {@code maxWait}; then its recipients are deferred and
 * retried on the schedule. Counted in this process: per cluster member, not cluster-wide.
 */
public final class DomainConnections {

    private final int max;
    private final Duration maxWait;
    /** Per domain with a session or a waiter; guarded by {@code this}. */
    private final Map<String, Slots> domains = new HashMap<>();

    private static final class Slots {
        int active;
        final Deque<CompletableFuture<Void>> waiting = new ArrayDeque<>();
    }

    /** @param max sessions per domain at once; 0 for no limit */
    public DomainConnections(int max, Duration maxWait) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, was " + max);
        }
        this.max = max;
        this.maxWait = Objects.requireNonNull(maxWait);
    }

    /** No limit. */
    public static DomainConnections unlimited() {
        return new DomainConnections(0, Duration.ZERO);
    }

    public int max() {
        return max;
    }

    /**
     * Runs {@code session} for {@code domain} once fewer than {@code max} of the domain's sessions run;
     * {@code busy} when none ended within the wait.
     */
    public <T> CompletionStage<T> run(String domain, Supplier<CompletionStage<T>> session, Supplier<T> busy) {
        if (max == 0) {
            return session.get();
        }
        return acquire(domain).handle((v, timedOut) -> timedOut == null).thenCompose(acquired -> {
            if (!acquired) {
                return CompletableFuture.completedFuture(busy.get());
            }
            CompletionStage<T> running;
            try {
                running = session.get();
            } catch (RuntimeException e) {
                running = CompletableFuture.failedFuture(e);
            }
            return running.whenComplete((r, t) -> release(domain));
        });
    }

    /** Sessions of {@code domain} running now (tests, metrics). */
    public synchronized int active(String domain) {
        Slots slots = domains.get(domain);
        return slots == null ? 0 : slots.active;
    }

    /** Deliveries to {@code domain} waiting for one of its sessions to end (tests, metrics). */
    public synchronized int waiting(String domain) {
        Slots slots = domains.get(domain);
        return slots == null ? 0 : slots.waiting.size();
    }

    private synchronized CompletableFuture<Void> acquire(String domain) {
        Slots slots = domains.computeIfAbsent(domain, d -> new Slots());
        if (slots.active < max) {
            slots.active++;
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> turn = new CompletableFuture<>();
        slots.waiting.addLast(turn);
        turn.orTimeout(maxWait.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, t) -> {
            if (t != null) {
                forget(domain, turn);
            }
        });
        return turn;
    }

    /**
     * Hands the slot to the first waiter still waiting, else frees it. The waiter is started outside
     * the lock; one that timed out meanwhile is passed over.
     */
    private void release(String domain) {
        while (true) {
            CompletableFuture<Void> next;
            synchronized (this) {
                Slots slots = domains.get(domain);
                next = slots.waiting.pollFirst();
                if (next == null) {
                    slots.active--;
                    if (slots.active == 0) {
                        domains.remove(domain);
                    }
                    return;
                }
            }
            if (next.complete(null)) {
                return;
            }
        }
    }

    private synchronized void forget(String domain, CompletableFuture<Void> turn) {
        Slots slots = domains.get(domain);
        if (slots != null) {
            slots.waiting.remove(turn);
        }
    }
}
