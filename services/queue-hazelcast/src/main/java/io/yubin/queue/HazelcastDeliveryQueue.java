package io.yubin.queue;

import com.hazelcast.collection.IQueue;
import com.hazelcast.core.HazelcastInstance;
import io.yubin.store.SpoolId;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link DeliveryQueue} as a Hazelcast {@link IQueue} of spool id strings, shared by every
 * member of the cluster. An offer is a network call to the partition owner, so it runs on this
 * queue's own threads, never on the caller's.
 */
public final class HazelcastDeliveryQueue implements DeliveryQueue {

    /** The Hazelcast queue's name; every member must use the same one. */
    public static final String QUEUE_NAME = "yubin.delivery";

    private static final int OFFER_THREADS = 2;

    private final IQueue<String> queue;
    private final ExecutorService offers;

    public HazelcastDeliveryQueue(HazelcastInstance hazelcast) {
        this.queue = hazelcast.getQueue(QUEUE_NAME);
        AtomicInteger n = new AtomicInteger();
        this.offers = Executors.newFixedThreadPool(OFFER_THREADS, r -> {
            Thread t = new Thread(r, "yubin-queue-offer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletionStage<Void> offer(SpoolId id) {
        String value = id.value();
        try {
            return CompletableFuture.runAsync(() -> {
                if (!queue.offer(value)) {
                    throw new IllegalStateException("the delivery queue is full; spool id " + value + " not queued");
                }
            }, offers);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the delivery queue is closed", e));
        }
    }

    @Override
    public SpoolId take(Duration timeout) throws InterruptedException {
        String value = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        return value == null ? null : new SpoolId(value);
    }

    @Override
    public int size() {
        return queue.size();
    }

    /**
     * Lets the offers already handed over finish (for a few seconds at most) and refuses new ones.
     * What the queue holds stays in the cluster; the member is closed separately.
     */
    @Override
    public void close() {
        offers.shutdown();
        try {
            if (!offers.awaitTermination(5, TimeUnit.SECONDS)) {
                offers.shutdownNow();
            }
        } catch (InterruptedException e) {
            offers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
