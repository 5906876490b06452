package io.yubin.server;

import io.yubin.store.BlobCollector;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes message bodies nobody refers to any more (docs/architecture.md §4.4) on one background
 * thread: {@link BlobCollector} every minute, and the blob store's orphan sweep (bodies stored but
 * never referenced, after a crash: S3's or the body files') every hour.
 */
final class BlobMaintenance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BlobMaintenance.class);
    private static final int BATCH = 1000;
    private static final long WAIT_MINUTES = 5;

    private final BlobCollector collector;
    private final Supplier<CompletionStage<?>> orphanSweep;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "yubin-blob-maintenance");
        t.setDaemon(true);
        return t;
    });

    /** @param orphanSweep one pass of the backend's orphan sweep, or null when it has none */
    BlobMaintenance(BlobCollector collector, Supplier<CompletionStage<?>> orphanSweep) {
        this.collector = collector;
        this.orphanSweep = orphanSweep;
    }

    void start(Duration collectEvery, Duration sweepEvery) {
        scheduler.scheduleWithFixedDelay(this::collectSafely, collectEvery.toMillis(), collectEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        if (orphanSweep != null) {
            scheduler.scheduleWithFixedDelay(this::sweepSafely, sweepEvery.toMillis(), sweepEvery.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** Deletes unreferenced bodies until none are left; returns how many. Blocks: call off event loops. */
    int collect() throws Exception {
        int total = 0;
        int deleted;
        do {
            deleted = collector.collectOnce(BATCH).toCompletableFuture().get(WAIT_MINUTES, TimeUnit.MINUTES);
            total += deleted;
        } while (deleted == BATCH);
        return total;
    }

    private void collectSafely() {
        try {
            int deleted = collect();
            if (deleted > 0) {
                LOG.info("Deleted {} unreferenced message bodies", deleted);
            }
        } catch (Exception e) {
            LOG.warn("Deleting unreferenced message bodies failed; trying again later", e);
        }
    }

    private void sweepSafely() {
        try {
            LOG.info("Orphan sweep: {}", orphanSweep.get().toCompletableFuture().get(WAIT_MINUTES, TimeUnit.MINUTES));
        } catch (Exception e) {
            LOG.warn("Orphan sweep failed; trying again later", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
