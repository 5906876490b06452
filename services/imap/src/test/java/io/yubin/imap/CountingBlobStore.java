package io.yubin.imap;

import io.yubin.store.BlobId;
import io.yubin.store.BlobStore;
import io.yubin.store.StoredBlob;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real BlobStore seen through a wrapper that counts whole and ranged reads, can hold whole reads,
 * and can fail writes as a full disk does.
 */
final class CountingBlobStore implements BlobStore {

    /** One ranged read as asked for. */
    record RangedRead(BlobId id, long offset, long length) {
    }

    private final BlobStore delegate;
    final AtomicInteger wholeReads = new AtomicInteger();
    final List<RangedRead> rangedReads = new CopyOnWriteArrayList<>();

    CountingBlobStore(BlobStore delegate) {
        this.delegate = delegate;
    }

    /** While set, writes fail as on a full disk. */
    volatile boolean full;

    /** While set, whole reads are held until {@link #releaseHeld} (to see how many are in flight). */
    volatile boolean hold;
    private final List<Runnable> held = new ArrayList<>();

    synchronized int heldCount() {
        return held.size();
    }

    /** Lets the held reads go on, the last asked for first, and stops holding. */
    synchronized void releaseHeld() {
        hold = false;
        for (int i = held.size() - 1; i >= 0; i--) {
            held.get(i).run();
        }
        held.clear();
    }

    void reset() {
        wholeReads.set(0);
        rangedReads.clear();
    }

    @Override
    public CompletionStage<StoredBlob> put(InputStream content) {
        if (full) {
            return CompletableFuture.failedFuture(io.yubin.store.StoreException.full("No space left on device", null));
        }
        return delegate.put(content);
    }

    @Override
    public CompletionStage<InputStream> get(BlobId id) {
        wholeReads.incrementAndGet();
        synchronized (this) {
            if (hold) {
                CompletableFuture<InputStream> later = new CompletableFuture<>();
                held.add(() -> delegate.get(id).whenComplete((in, failure) -> {
                    if (failure != null) {
                        later.completeExceptionally(failure);
                    } else {
                        later.complete(in);
                    }
                }));
                return later;
            }
        }
        return delegate.get(id);
    }

    @Override
    public CompletionStage<InputStream> get(BlobId id, long offset, long length) {
        rangedReads.add(new RangedRead(id, offset, length));
        return delegate.get(id, offset, length);
    }

    @Override
    public CompletionStage<Boolean> exists(BlobId id) {
        return delegate.exists(id);
    }

    @Override
    public CompletionStage<Void> delete(BlobId id) {
        return delegate.delete(id);
    }
}
