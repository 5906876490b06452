package io.yubin.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Locks an account after too many failed logins (docs/operations.md, "Account lockout"): after
 * {@link Policy#failures()} failures within {@link Policy#window()} the account is refused for
 * {@link Policy#duration()} in every protocol on every cluster member, because failures and locks are
 * kept in the store ({@link AccountLocks}). Only an admin's {@link #unlock} or the end of the period
 * lifts it. A lock read from the store is believed for {@link #CACHE_TIME} per process, so every login
 * does not cost a store read and a lock set on another member is honoured within that time. Each lock
 * and unlock is logged at INFO and told to the {@link Listener} (metrics). Thread-safe.
 */
public final class AccountLockout {

    private static final Logger LOG = LoggerFactory.getLogger(AccountLockout.class);

    /** How long one member believes what it read of an account's lock. */
    public static final Duration CACHE_TIME = Duration.ofSeconds(1);

    /** Accounts whose lock state is remembered at most; beyond it the memory starts again. */
    private static final int MAX_CACHED = 100_000;

    /**
     * @param failures failed logins that lock the account
     * @param window the time they must fall within
     * @param duration how long the account stays locked
     */
    public record Policy(int failures, Duration window, Duration duration) {

        /** 10 failures within 15 minutes lock the account for 15 minutes. */
        public static final Policy DEFAULT = new Policy(10, Duration.ofMinutes(15), Duration.ofMinutes(15));

        public Policy {
            if (failures < 1) {
                throw new IllegalArgumentException("failures must be at least 1");
            }
            if (window.isNegative() || window.isZero() || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("window and duration must be positive");
            }
        }
    }

    /** Told of every lock and unlock, for metrics. */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void locked(AccountLocks.Lock lock) {
        }

        default void unlocked(AccountLocks.Lock lock) {
        }
    }

    private record Known(Optional<Instant> until, Instant readAt) {
    }

    private final AccountLocks store;
    private final Policy policy;
    private final Clock clock;
    private final Listener listener;
    private final Map<String, Known> known = new ConcurrentHashMap<>();

    public AccountLockout(AccountLocks store, Policy policy) {
        this(store, policy, Clock.systemUTC(), Listener.NONE);
    }

    public AccountLockout(AccountLocks store, Policy policy, Clock clock, Listener listener) {
        this.store = Objects.requireNonNull(store, "store");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** When the account's lock ends, or empty when it is not locked. */
    public CompletionStage<Optional<Instant>> lockedUntil(String account) {
        Instant now = clock.instant();
        Known k = known.get(account);
        if (k != null && now.isBefore(k.readAt().plus(CACHE_TIME))) {
            return CompletableFuture.completedFuture(k.until().filter(now::isBefore));
        }
        return store.find(account, now).thenApply(lock -> {
            Optional<Instant> until = lock.map(AccountLocks.Lock::until);
            remember(account, new Known(until, now));
            return until;
        });
    }

    /**
     * Records a failed login of the account from {@code client}; completes with the lock when this
     * failure set one.
     */
    public CompletionStage<Optional<AccountLocks.Lock>> failure(String account, String client) {
        Instant now = clock.instant();
        return store.recordFailure(account, now, policy.window()).thenCompose(failures -> {
            if (failures < policy.failures()) {
                return CompletableFuture.completedFuture(Optional.<AccountLocks.Lock>empty());
            }
            AccountLocks.Lock lock = new AccountLocks.Lock(account, now.plus(policy.duration()), now, client);
            return store.lock(lock).thenApply(v -> {
                remember(account, new Known(Optional.of(lock.until()), now));
                LOG.info("account {} locked until {} after {} failed logins within {}, the last from {}", account,
                        lock.until(), failures, policy.window(), client);
                listener.locked(lock);
                return Optional.of(lock);
            });
        });
    }

    /** Lifts the account's lock and forgets its failures; completes with the lock it had, if any. */
    public CompletionStage<Optional<AccountLocks.Lock>> unlock(String account) {
        return store.clear(account, clock.instant()).thenApply(lock -> {
            known.remove(account);
            lock.ifPresent(l -> {
                LOG.info("account {} unlocked (it was locked until {} after failures from {})", account, l.until(),
                        l.client());
                listener.unlocked(l);
            });
            return lock;
        });
    }

    /** The accounts locked now, sorted by account. */
    public CompletionStage<List<AccountLocks.Lock>> locks() {
        return store.locks(clock.instant());
    }

    private void remember(String account, Known k) {
        if (known.size() >= MAX_CACHED) {
            known.clear();
        }
        known.put(account, k);
    }
}
