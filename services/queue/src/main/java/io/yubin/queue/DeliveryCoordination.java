package io.yubin.queue;

import io.yubin.store.SpoolId;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;

/**
 * What the members of a cluster agree on about delivery (issue 16 item 3): who is working on each
 * taken spool entry, and which one member sweeps the Spool for work nobody holds.
 *
 * <p>A worker leases each entry it takes, for a time to live it renews while the delivery runs,
 * and releases it when done. A member that dies stops renewing; once its leases expire the sweep
 * re-offers those entries. The lease is a hint that keeps two members from working on one entry
 * at once, not a fence: delivery is idempotent per (spool id, recipient), so the rare overlap (a
 * member paused past its lease) stores nothing twice.
 */
public interface DeliveryCoordination {

    /** Takes the lease on {@code id} for {@code ttl}; false when a lease on it is held already. */
    boolean acquire(SpoolId id, Duration ttl);

    /**
     * Sets the lease this member holds on {@code id} to expire {@code ttl} from now; false when it
     * holds none (it expired, perhaps taken since by another member).
     */
    boolean renew(SpoolId id, Duration ttl);

    /** Gives up the lease on {@code id}, if this member holds it. */
    void release(SpoolId id);

    /** Those of {@code ids} that somebody holds a lease on now. */
    Set<SpoolId> leased(Collection<SpoolId> ids);

    /** True while this member is the one that runs the cluster-wide sweep. */
    boolean sweeper();
}
