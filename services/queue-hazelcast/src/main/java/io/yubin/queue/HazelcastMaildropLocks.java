package io.yubin.queue;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.yubin.model.MailAddress;
import io.yubin.store.MaildropLocks;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maildrop locks shared by every member of the cluster: one entry per user in an {@link IMap}, its
 * value the holder's random token, written with a TTL (the lease). While the holder lives, this
 * member renews the lease every third of it; when the holder's pod dies, the entry expires within
 * one lease. Every step is an entry processor that checks the token, so a holder whose lease ran
 * out can neither renew nor release a lock another session took since. (IMap locks are bound to a
 * thread, and the CP subsystem's FencedLock needs the Enterprise edition, hence this.)
 */
public final class HazelcastMaildropLocks implements MaildropLocks, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastMaildropLocks.class);

    /** The map's name; every member must use the same. */
    public static final String MAP_NAME = "yubin-maildrop-locks";

    /** The lease when none is given: long enough to survive a GC pause, short enough for a pod restart. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);

    private final IMap<String, String> map;
    private final Duration lease;
    private final ScheduledExecutorService renewals;

    public HazelcastMaildropLocks(HazelcastInstance instance) {
        this(instance, DEFAULT_LEASE);
    }

    /**
     * @param lease how long a lock lives without renewal; whole seconds, at least 2 (Hazelcast keeps
     *        TTLs in seconds)
     */
    public HazelcastMaildropLocks(HazelcastInstance instance, Duration lease) {
        Objects.requireNonNull(instance, "instance");
        if (lease.getSeconds() < 2 || lease.getNano() != 0) {
            throw new IllegalArgumentException("lease must be whole seconds, at least 2, was " + lease);
        }
        this.map = instance.getMap(MAP_NAME);
        this.lease = lease;
        this.renewals = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "yubin-maildrop-lock-renewal");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletionStage<Optional<AutoCloseable>> tryLock(MailAddress user) {
        String key = user.canonical();
        String token = UUID.randomUUID().toString();
        return map.submitToKey(key, new Lease(Lease.Step.ACQUIRE, token, lease.getSeconds()))
                .thenApply(acquired -> acquired ? Optional.of(new Held(key, token)) : Optional.empty());
    }

    /** Stops renewing; held locks then expire within one lease. */
    @Override
    public void close() {
        renewals.shutdownNow();
    }

    private final class Held implements AutoCloseable {

        private final String key;
        private final String token;
        private final AtomicBoolean released = new AtomicBoolean();
        private final ScheduledFuture<?> renewal;

        Held(String key, String token) {
            this.key = key;
            this.token = token;
            long period = lease.toMillis() / 3;
            this.renewal = renewals.scheduleAtFixedRate(this::renew, period, period, TimeUnit.MILLISECONDS);
        }

        private void renew() {
            map.submitToKey(key, new Lease(Lease.Step.RENEW, token, lease.getSeconds())).whenComplete((ok, error) -> {
                if (error != null) {
                    LOG.warn("Could not renew the maildrop lock of {}: {}", key, error.toString());
                } else if (!ok && !released.get()) {
                    LOG.warn("The maildrop lock of {} expired before it was renewed", key);
                    renewal.cancel(false);
                }
            });
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                renewal.cancel(false);
                map.submitToKey(key, new Lease(Lease.Step.RELEASE, token, 0)).whenComplete((ok, error) -> {
                    if (error != null) {
                        LOG.warn("Could not release the maildrop lock of {}; it expires within {}: {}",
                                key, lease, error.toString());
                    }
                });
            }
        }
    }

    /**
     * One step on a lock entry, run on the member owning the key's partition (and on its backups).
     * Answers whether the caller holds the lock after the step.
     */
    record Lease(Step step, String token, long leaseSeconds) implements EntryProcessor<String, String, Boolean> {

        enum Step { ACQUIRE, RENEW, RELEASE }

        private static final long serialVersionUID = 1L;

        @Override
        public Boolean process(Map.Entry<String, String> entry) {
            String holder = entry.getValue();
            switch (step) {
                case ACQUIRE -> {
                    if (holder != null) {
                        return false;
                    }
                    ((ExtendedMapEntry<String, String>) entry).setValue(token, leaseSeconds, TimeUnit.SECONDS);
                    return true;
                }
                case RENEW -> {
                    if (!token.equals(holder)) {
                        return false;
                    }
                    ((ExtendedMapEntry<String, String>) entry).setValue(token, leaseSeconds, TimeUnit.SECONDS);
                    return true;
                }
                case RELEASE -> {
                    if (token.equals(holder)) {
                        entry.setValue(null);
                    }
                    return false;
                }
                default -> throw new IllegalStateException("unknown step " + step);
            }
        }
    }
}
