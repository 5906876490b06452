package io.yubin.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Deletes bodies that nothing refers to any more (docs/architecture.md §4.4): it asks the metadata
 * backend for unreferenced blobs, deletes them from the BlobStore, then lets the metadata forget
 * them. Safe to run repeatedly and after a crash at any step: a blob is forgotten only after its
 * deletion succeeded, and deleting twice is harmless.
 */
public final class BlobCollector {

    private final BlobReferences references;
    private final BlobStore blobs;

    public BlobCollector(BlobReferences references, BlobStore blobs) {
        this.references = references;
        this.blobs = blobs;
    }

    /** One pass over at most {@code batch} blobs; completes with how many were deleted. */
    public CompletionStage<Integer> collectOnce(int batch) {
        return references.unreferenced(batch).thenCompose(ids -> {
            CompletableFuture<?>[] deletions = ids.stream()
                    .map(id -> blobs.delete(id).toCompletableFuture())
                    .toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(deletions)
                    .thenCompose(v -> ids.isEmpty() ? CompletableFuture.completedFuture(null) : references.forget(ids))
                    .thenApply(v -> ids.size());
        });
    }
}
