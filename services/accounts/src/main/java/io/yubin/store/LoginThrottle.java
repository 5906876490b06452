package io.yubin.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Slows down password guessing (docs/architecture.md §5): counts failed logins per key (a client IP; the
 * per-account lockout is {@link AccountLockout}, in the store) and, after {@link Policy#failuresBeforeLock()} failures, refuses that key for a lock
 * window that doubles with every further lock up to {@link Policy#maxLock()}. A success forgets the
 * key. In memory, per process, and bounded: beyond {@code maxKeys} the least recently touched key is
 * forgotten. Shared by the protocol servers (SMTP AUTH, IMAP, POP3); thread-safe.
 */
public final class LoginThrottle {

    /**
     * @param failuresBeforeLock failures that lock the key
     * @param firstLock the first lock window
     * @param maxLock the longest lock window
     * @param forgetAfter a key with no failure for this long starts again from zero
     */
    public record Policy(int failuresBeforeLock, Duration firstLock, Duration maxLock, Duration forgetAfter) {

        /**
         * Per client IP: 20 failures lock it for 1 minute, doubling up to 1 hour (lenient: NAT puts many
         * users behind one address).
         */
        public static final Policy CLIENT_IP = new Policy(20, Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofHours(24));

        public Policy {
            if (failuresBeforeLock < 1) {
                throw new IllegalArgumentException("failuresBeforeLock must be at least 1");
            }
            Objects.requireNonNull(firstLock, "firstLock");
            Objects.requireNonNull(maxLock, "maxLock");
            Objects.requireNonNull(forgetAfter, "forgetAfter");
            if (firstLock.isNegative() || firstLock.isZero() || maxLock.compareTo(firstLock) < 0) {
                throw new IllegalArgumentException("need 0 < firstLock <= maxLock");
            }
        }
    }

    /** Keys remembered by default. */
    public static final int DEFAULT_MAX_KEYS = 100_000;

    private static final class Entry {
        int failures;
        int locks;
        Instant lockedUntil = Instant.MIN;
        Instant lastFailure = Instant.MIN;
    }

    private final Policy policy;
    private final Clock clock;
    private final Map<String, Entry> entries;

    public LoginThrottle(Policy policy) {
        this(policy, DEFAULT_MAX_KEYS, Clock.systemUTC());
    }

    public LoginThrottle(Policy policy, int maxKeys, Clock clock) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1");
        }
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** False while the key is locked. */
    public synchronized boolean allowed(String key) {
        Entry e = current(key);
        return e == null || !isLocked(e);
    }

    /** When the key's lock ends, or empty when it is not locked. */
    public synchronized Optional<Instant> lockedUntil(String key) {
        Entry e = current(key);
        return e != null && isLocked(e) ? Optional.of(e.lockedUntil) : Optional.empty();
    }

    /** Records a failed login for the key; true when this failure locked it. */
    public synchronized boolean failure(String key) {
        Instant now = clock.instant();
        Entry e = current(key);
        if (e == null) {
            e = new Entry();
            entries.put(key, e);
        }
        e.lastFailure = now;
        e.failures++;
        if (e.failures >= policy.failuresBeforeLock()) {
            e.locks++;
            e.lockedUntil = now.plus(lockWindow(e.locks));
            // Every further failure after this lock ends locks again, for twice as long.
            e.failures = policy.failuresBeforeLock() - 1;
            return true;
        }
        return false;
    }

    /** Records a successful login: the key starts again from zero. */
    public synchronized void success(String key) {
        entries.remove(key);
    }

    /** Keys remembered now (for tests and metrics). */
    public synchronized int size() {
        return entries.size();
    }

    private boolean isLocked(Entry e) {
        return clock.instant().isBefore(e.lockedUntil);
    }

    private Entry current(String key) {
        Entry e = entries.get(key);
        if (e != null && !isLocked(e) && !clock.instant().isBefore(e.lastFailure.plus(policy.forgetAfter()))) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    private Duration lockWindow(int locks) {
        Duration window = policy.firstLock();
        for (int i = 1; i < locks && window.compareTo(policy.maxLock()) < 0; i++) {
            window = window.multipliedBy(2);
        }
        return window.compareTo(policy.maxLock()) > 0 ? policy.maxLock() : window;
    }
}
