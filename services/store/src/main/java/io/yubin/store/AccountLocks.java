package io.yubin.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Failed logins and account locks (docs/operations.md, "Account lockout"), kept in the store so that
 * every cluster member and every protocol sees one account's failures and its lock. Keyed by account:
 * a user's canonical address. Instants are given by the caller (its clock), so the window and the
 * lock's end are the caller's; backends may forget failures older than the window and locks that
 * have ended by themselves (Cassandra TTLs).
 */
public interface AccountLocks {

    /**
     * A lock on one account.
     *
     * @param account the canonical address
     * @param until when it ends
     * @param lockedAt when it was set
     * @param client the client address of the failure that set it
     */
    record Lock(String account, Instant until, Instant lockedAt, String client) {
        public Lock {
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(until, "until");
            Objects.requireNonNull(lockedAt, "lockedAt");
            Objects.requireNonNull(client, "client");
        }
    }

    /**
     * Records a failed login of {@code account} at {@code at}; completes with the failures recorded
     * for it in {@code (at - window, at]}, this one included.
     */
    CompletionStage<Integer> recordFailure(String account, Instant at, Duration window);

    /** Locks the account until {@code lock.until()}, replacing a lock it had. */
    CompletionStage<Void> lock(Lock lock);

    /** The account's lock when it lasts beyond {@code now}. */
    CompletionStage<Optional<Lock>> find(String account, Instant now);

    /** Unlocks the account and forgets its failures; completes with the lock it had if that lasted beyond {@code now}. */
    CompletionStage<Optional<Lock>> clear(String account, Instant now);

    /** The locks lasting beyond {@code now}, sorted by account. */
    CompletionStage<List<Lock>> locks(Instant now);
}
