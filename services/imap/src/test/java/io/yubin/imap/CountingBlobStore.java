package io.yubin.imap;

import io.yubin.store.BlobId;
import io.yubin.store.BlobStore;
import io.yubin.store.StoredBlob;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real BlobStore seen through a wrapper that counts whole and ranged reads. */
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

    void reset() {
        wholeReads.set(0);
        rangedReads.clear();
    }

    @Override
    public CompletionStage<StoredBlob> put(InputStream content) {
        return delegate.put(content);
    }

    @Override
    public CompletionStage<InputStream> get(BlobId id) {
        wholeReads.incrementAndGet();
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
