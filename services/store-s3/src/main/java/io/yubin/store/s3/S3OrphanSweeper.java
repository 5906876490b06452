package io.yubin.store.s3;

import io.yubin.store.BlobId;
import io.yubin.store.BlobReferences;
import io.yubin.store.OrphanSweeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@link OrphanSweeper} of an {@link S3BlobStore}: a {@code blobs/} object is deleted once older
 * than the grace period and unreferenced. {@code incoming/} objects (multipart uploads a crash left
 * before the copy to {@code blobs/}) are never referenced and are deleted once older than the grace
 * period.
 */
public final class S3OrphanSweeper extends OrphanSweeper {

    private static final int PAGE = 1000;

    private final S3BlobStore blobs;

    public S3OrphanSweeper(S3BlobStore blobs, BlobReferences references) {
        this(blobs, references, DEFAULT_GRACE, Clock.systemUTC());
    }

    public S3OrphanSweeper(S3BlobStore blobs, BlobReferences references, Duration grace, Clock clock) {
        super(references, grace, clock);
        this.blobs = blobs;
    }

    /** One pass over the whole bucket, one page of up to 1000 keys at a time. */
    @Override
    protected CompletionStage<Sweep> sweep(Instant cutoff) {
        return sweep(S3BlobStore.INCOMING_PREFIX, null, cutoff, new Sweep(0, 0))
                .thenCompose(s -> sweep(S3BlobStore.BLOB_PREFIX, null, cutoff, s));
    }

    private CompletionStage<Sweep> sweep(String prefix, String after, Instant cutoff, Sweep sofar) {
        return blobs.list(prefix, after, PAGE).thenCompose(page -> {
            CompletionStage<Sweep> chain = CompletableFuture.completedFuture(sofar);
            for (S3BlobStore.Listed object : page) {
                chain = chain.thenCompose(s -> visit(object, cutoff).thenApply(deleted -> s.plus(new Sweep(1, deleted ? 1 : 0))));
            }
            if (page.size() < PAGE) {
                return chain;
            }
            String last = page.get(page.size() - 1).key();
            return chain.thenCompose(s -> sweep(prefix, last, cutoff, s));
        });
    }

    /** Completes with true when the object was deleted. */
    private CompletionStage<Boolean> visit(S3BlobStore.Listed object, Instant cutoff) {
        if (!object.lastModified().isBefore(cutoff)) {
            return CompletableFuture.completedFuture(false);
        }
        if (object.key().startsWith(S3BlobStore.INCOMING_PREFIX)) {
            return blobs.deleteObject(object.key()).thenApply(v -> true);
        }
        BlobId id = blobId(object.key());
        if (id == null) {
            // not a key this store writes: leave it alone
            return CompletableFuture.completedFuture(false);
        }
        return references.isReferenced(id).thenCompose(referenced -> referenced
                ? CompletableFuture.completedFuture(false)
                : blobs.delete(id).thenApply(v -> true));
    }

    private static BlobId blobId(String key) {
        String value = key.substring(S3BlobStore.BLOB_PREFIX.length());
        return !value.isEmpty() && value.chars().allMatch(c -> c < 0x80 && Character.isLetterOrDigit(c))
                ? new BlobId(value)
                : null;
    }
}
