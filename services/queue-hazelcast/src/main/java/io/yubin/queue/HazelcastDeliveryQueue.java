package io.yubin.queue;

import com.hazelcast.collection.IQueue;
import com.hazelcast.core.HazelcastInstance;
import io.yubin.store.SpoolId;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link DeliveryQueue} as a Hazelcast {@link IQueue} shared by every member of the cluster,
 * with one synchronous backup ({@link ClusterMember} configures it), so an entry survives the
 * loss of the member that holds the queue. Items are {@code yubin.cluster.v1.QueueEntry} protobuf
 * bytes ({@link QueueEntryCodec}); an item this member cannot read is dropped with a log line, and
 * the sweep re-offers its spool id from the Spool. An offer is a network call to the partition
 * owner, so it runs on this queue's own threads, never on the caller's.
 */
public final class HazelcastDeliveryQueue implements DeliveryQueue {

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastDeliveryQueue.class);

    /** The Hazelcast queue's name; every member must use the same one. */
    public static final String QUEUE_NAME = "yubin.delivery";

    private static final int OFFER_THREADS = 2;

    private final IQueue<byte[]> queue;
    private final Clock clock;
    private final ExecutorService offers;
    private final AtomicLong skipped = new AtomicLong();

    public HazelcastDeliveryQueue(HazelcastInstance hazelcast) {
        this(hazelcast, Clock.systemUTC());
    }

    HazelcastDeliveryQueue(HazelcastInstance hazelcast, Clock clock) {
        this.queue = hazelcast.getQueue(QUEUE_NAME);
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.offers = Executors.newFixedThreadPool(OFFER_THREADS, r -> {
            Thread t = new Thread(r, "yubin-queue-offer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletionStage<Void> offer(SpoolId id) {
        try {
            return CompletableFuture.runAsync(() -> {
                if (!queue.offer(QueueEntryCodec.encode(id, clock.instant()))) {
                    throw new IllegalStateException("the delivery queue is full; spool id " + id.value() + " not queued");
                }
            }, offers);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("the delivery queue is closed", e));
        }
    }

    @Override
    public SpoolId take(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] item = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (item == null) {
                return null;
            }
            try {
                return QueueEntryCodec.decode(item);
            } catch (QueueEntryCodec.UnreadableEntryException e) {
                LOG.warn("Skipped a delivery-queue entry ({} skipped so far): {}", skipped.incrementAndGet(),
                        e.getMessage());
            }
        }
    }

    /**
     * Reads every item (a copy from each partition owner: cost grows with the queue). Items this
     * member cannot read are left out, as {@link #take} would skip them.
     */
    @Override
    public Set<SpoolId> queued() {
        Set<SpoolId> ids = new HashSet<>();
        for (byte[] item : queue) {
            try {
                ids.add(QueueEntryCodec.decode(item));
            } catch (QueueEntryCodec.UnreadableEntryException e) {
                // take() logs it when it comes off the queue.
            }
        }
        return ids;
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
