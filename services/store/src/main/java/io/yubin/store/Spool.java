package io.yubin.store;

import io.yubin.model.MailAddress;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The durable record of accepted messages: the source of truth for what still has to be
 * delivered (docs/architecture.md §4.1). SMTP answers 250 only after {@link #accept} has completed; the
 * delivery queue only carries spool ids.
 */
public interface Spool {

    /**
     * Records an accepted message with every recipient {@link DeliveryStatus#QUEUED}, and takes a
     * reference on its blob. Completes only when durable. CONFLICT when the id exists.
     */
    CompletionStage<Void> accept(SpoolEntry entry);

    /**
     * Stores {@code body} in {@code blobs} (closing it), then records {@code entryFor(blob)} as
     * {@link #accept} does; completes with that entry only when body and entry are both durable.
     * When the spool refuses the entry ({@link StoreException#isRefusal}) the blob is deleted (best
     * effort); when the outcome is unknown (UNAVAILABLE: the entry may have been written after all)
     * the blob is kept for the orphan sweep, which deletes it only if nothing refers to it. Either
     * way the stage fails with the spool's failure. A backend that also holds small bodies itself may store both in one
     * durable write; this default takes the two steps one after the other.
     */
    default CompletionStage<SpoolEntry> acceptWithBody(BlobStore blobs, InputStream body,
            Function<StoredBlob, SpoolEntry> entryFor) {
        return blobs.put(body).thenCompose(blob -> {
            CompletionStage<Void> accepted;
            SpoolEntry entry;
            try {
                entry = entryFor.apply(blob);
                accepted = accept(entry);
            } catch (RuntimeException e) {
                entry = null;
                accepted = CompletableFuture.failedFuture(e);
            }
            SpoolEntry recorded = entry;
            return accepted.handle((v, failure) -> failure).thenCompose(failure -> {
                if (failure == null) {
                    return CompletableFuture.completedFuture(recorded);
                }
                if (recorded != null && !StoreException.isRefusal(failure)) {
                    // A timeout or a lost connection: the entry may be durable, and then it refers to
                    // this blob. Deleting it here lost bodies of spooled mail (ClusterStorageFaultTest).
                    return CompletableFuture.<SpoolEntry>failedFuture(failure);
                }
                // Refused, or no entry was built: nothing refers to the blob. The spool's failure is
                // the one reported.
                return blobs.delete(blob.id()).handle((d, ignored) -> null)
                        .thenCompose(d -> CompletableFuture.<SpoolEntry>failedFuture(failure));
            });
        });
    }

    CompletionStage<Optional<SpoolEntry>> find(SpoolId id);

    /**
     * Records the outcome of a delivery attempt for one recipient. NOT_FOUND when the entry or the
     * recipient is not in the spool.
     */
    CompletionStage<Void> update(SpoolId id, MailAddress recipient, RecipientState state);

    /**
     * Ids of entries that still have a recipient QUEUED or DEFERRED, ascending, after
     * {@code after} (null for the start). Used to re-offer work after a restart.
     */
    CompletionStage<List<SpoolId>> unfinished(SpoolId after, int limit);

    /** Removes a finished entry and drops its blob reference. NOT_FOUND when absent. */
    CompletionStage<Void> remove(SpoolId id);
}
