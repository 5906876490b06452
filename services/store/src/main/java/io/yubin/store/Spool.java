package io.yubin.store;

import io.yubin.model.MailAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The durable record of accepted messages: the source of truth for what still has to be
 * delivered (ARCHITECTURE.md §4.1). SMTP answers 250 only after {@link #accept} has completed; the
 * delivery queue only carries spool ids.
 */
public interface Spool {

    /**
     * Records an accepted message with every recipient {@link DeliveryStatus#QUEUED}, and takes a
     * reference on its blob. Completes only when durable. CONFLICT when the id exists.
     */
    CompletionStage<Void> accept(SpoolEntry entry);

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
