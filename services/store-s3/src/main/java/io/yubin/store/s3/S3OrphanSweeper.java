package io.yubin.store.s3;

import io.yubin.store.BlobId;
import io.yubin.store.BlobReferences;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Removes bodies that nothing ever referenced (docs/architecture.md §4.4): a crash between
 * {@code BlobStore.put} and the spool or mailbox write that would have referenced it, or a client
 * that went away after its body was stored. {@code io.yubin.store.BlobCollector} handles bodies
 * whose last reference was dropped; this sweeper is the safety net for the ones never counted.
 *
 * <p>A {@code blobs/} object is deleted only when it is older than the grace period and
 * {@link BlobReferences#isReferenced} says no. A body gains its first reference right after it is
 * stored (within one SMTP transaction or one APPEND), and an unreferenced body never gains one later
 * (COPY copies a referenced message), so the grace period must only exceed the longest time between
 * a put and its first reference; one hour is far above that. {@code incoming/} objects (multipart
 * uploads a crash left before the copy to {@code blobs/}) are never referenced and are deleted once
 * older than the grace period. Safe to run on several pods at once: every step is idempotent.
 */
public final class S3OrphanSweeper {

    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);
    private static final int PAGE = 1000;

    /** What one pass did: objects listed and objects deleted. */
    public record Sweep(int examined, int deleted) {
        Sweep plus(int examined, int deleted) {
            return new Sweep(this.examined + examined, this.deleted + deleted);
        }
    }

    private final S3BlobStore blobs;
    private final BlobReferences references;
    private final Duration grace;
    private final Clock clock;

    public S3OrphanSweeper(S3BlobStore blobs, BlobReferences references) {
        this(blobs, references, DEFAULT_GRACE, Clock.systemUTC());
    }

    public S3OrphanSweeper(S3BlobStore blobs, BlobReferences references, Duration grace, Clock clock) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace period must not be negative");
        }
        this.blobs = blobs;
        this.references = references;
        this.grace = grace;
        this.clock = clock;
    }

    /** One pass over the whole bucket, one page of up to 1000 keys at a time. */
    public CompletionStage<Sweep> sweepOnce() {
        Instant cutoff = clock.instant().minus(grace);
        return sweep(S3BlobStore.INCOMING_PREFIX, null, cutoff, new Sweep(0, 0))
                .thenCompose(s -> sweep(S3BlobStore.BLOB_PREFIX, null, cutoff, s));
    }

    private CompletionStage<Sweep> sweep(String prefix, String after, Instant cutoff, Sweep sofar) {
        return blobs.list(prefix, after, PAGE).thenCompose(page -> {
            CompletionStage<Sweep> chain = CompletableFuture.completedFuture(sofar);
            for (S3BlobStore.Listed object : page) {
                chain = chain.thenCompose(s -> visit(object, cutoff).thenApply(deleted -> s.plus(1, deleted ? 1 : 0)));
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
