package io.yubin.queue;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.yubin.store.SpoolId;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@link DeliveryCoordination} on Hazelcast. Leases are entries of the map
 * {@value ClusterMember#LEASES_MAP} (spool id → the holder's member UUID, both plain strings) with
 * a time to live in whole seconds, backed up on a second member like the queue. The sweeper is the oldest member:
 * Hazelcast keeps the member list in join order on every member, so all agree without a lock or
 * the CP subsystem; when the oldest dies the next takes over. During a split brain each side has
 * its own oldest member, and two sweeps offer some ids twice, which delivery makes harmless.
 */
public final class HazelcastDeliveryCoordination implements DeliveryCoordination {

    private final IMap<String, String> leases;
    private final Cluster cluster;
    private final String self;

    public HazelcastDeliveryCoordination(HazelcastInstance hazelcast) {
        this.leases = hazelcast.getMap(ClusterMember.LEASES_MAP);
        this.cluster = hazelcast.getCluster();
        this.self = cluster.getLocalMember().getUuid().toString();
    }

    @Override
    public boolean acquire(SpoolId id, Duration ttl) {
        return leases.putIfAbsent(id.value(), self, seconds(ttl), TimeUnit.SECONDS) == null;
    }

    /**
     * Not atomic: between the check and the write the lease may expire and be taken. Then both
     * members deliver, which is harmless (see {@link DeliveryCoordination}); an entry processor
     * would close the gap at the price of Java-serialised code crossing members.
     */
    @Override
    public boolean renew(SpoolId id, Duration ttl) {
        if (!self.equals(leases.get(id.value()))) {
            return false;
        }
        leases.set(id.value(), self, seconds(ttl), TimeUnit.SECONDS);
        return true;
    }

    @Override
    public void release(SpoolId id) {
        leases.remove(id.value(), self);
    }

    @Override
    public Set<SpoolId> leased(Collection<SpoolId> ids) {
        Set<String> keys = new HashSet<>();
        ids.forEach(id -> keys.add(id.value()));
        Set<SpoolId> held = new HashSet<>();
        if (!keys.isEmpty()) {
            leases.getAll(keys).keySet().forEach(key -> held.add(new SpoolId(key)));
        }
        return held;
    }

    @Override
    public boolean sweeper() {
        return cluster.getMembers().iterator().next().localMember();
    }

    /**
     * Whole seconds, rounded up, at least 1: Hazelcast keeps a map entry's time to live in whole
     * seconds (a shorter one expires at once) and reads 0 as "forever".
     */
    static long seconds(Duration ttl) {
        long seconds = ttl.getSeconds() + (ttl.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }
}
