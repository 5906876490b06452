package io.yubin.queue;

import io.yubin.store.SpoolId;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Hands accepted messages (by spool id) to delivery workers on any member (docs/architecture.md §1).
 * It distributes work; it is not the source of truth: an offer lost with a member is re-offered
 * from the {@link io.yubin.store.Spool} by the cluster-wide sweep ({@code SpoolSweep}).
 */
public interface DeliveryQueue extends AutoCloseable {

    /** Queues a spool id for delivery; completes once the queue holds it. Never blocks the caller. */
    CompletionStage<Void> offer(SpoolId id);

    /**
     * Waits up to {@code timeout} for the next spool id; null when none came. Blocking: call only
     * from a delivery worker thread.
     */
    SpoolId take(Duration timeout) throws InterruptedException;

    /**
     * The ids waiting now, as one snapshot: the sweep leaves these alone (issue 16 item 3). Reads
     * the whole queue; not for a hot path.
     */
    Set<SpoolId> queued();

    /** Ids waiting now (for metrics and the admin API). */
    int size();

    @Override
    void close();
}
