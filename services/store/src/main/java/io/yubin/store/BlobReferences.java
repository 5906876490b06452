package io.yubin.store;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Reference counts of bodies, kept by the metadata backend: every message copy and every spool
 * entry holds one reference. When the last reference goes, the blob is listed here until
 * {@link BlobCollector} has deleted it from the {@link BlobStore}.
 */
public interface BlobReferences {

    /** Up to {@code limit} blobs that nothing refers to any more. */
    CompletionStage<List<BlobId>> unreferenced(int limit);

    /** Called after those blobs were deleted from the BlobStore. */
    CompletionStage<Void> forget(List<BlobId> deleted);

    /** True while any message or spool entry refers to the blob. */
    CompletionStage<Boolean> isReferenced(BlobId id);
}
