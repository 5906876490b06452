package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.store.AccountLocks;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

/**
 * {@link AccountLocks} in the tables of migration V6. Failures live for the window and a lock for its
 * length (TTLs), so neither table needs sweeping. Two members recording a failure at once both count:
 * each failure is its own row.
 */
final class CassandraAccountLocks implements AccountLocks {

    private static final String LOCK_COLUMNS = "account, locked_until, locked_at, client";

    private final Cql cql;

    CassandraAccountLocks(Cql cql) {
        this.cql = cql;
    }

    @Override
    public CompletionStage<Integer> recordFailure(String account, Instant at, Duration window) {
        long atNanos = CassandraSpool.nanos(at);
        long afterNanos = CassandraSpool.nanos(at.minus(window));
        return cql.run("INSERT INTO login_failures (account, failed_at, id) VALUES (?, ?, ?) USING TTL ?", account,
                        atNanos, UUID.randomUUID(), ttl(window))
                .thenCompose(v -> cql.one("SELECT count(*) FROM login_failures WHERE account = ? AND failed_at > ? "
                        + "AND failed_at <= ?", account, afterNanos, atNanos))
                .thenApply(row -> (int) row.map(r -> r.getLong(0)).orElse(0L).longValue());
    }

    @Override
    public CompletionStage<Void> lock(Lock lock) {
        return cql.run("INSERT INTO account_locks (" + LOCK_COLUMNS + ") VALUES (?, ?, ?, ?) USING TTL ?",
                lock.account(), CassandraSpool.nanos(lock.until()), CassandraSpool.nanos(lock.lockedAt()), lock.client(),
                ttl(Duration.between(lock.lockedAt(), lock.until())));
    }

    @Override
    public CompletionStage<Optional<Lock>> find(String account, Instant now) {
        return cql.one("SELECT " + LOCK_COLUMNS + " FROM account_locks WHERE account = ?", account)
                .thenApply(row -> row.map(CassandraAccountLocks::lock).filter(l -> l.until().isAfter(now)));
    }

    @Override
    public CompletionStage<Optional<Lock>> clear(String account, Instant now) {
        return find(account, now).thenCompose(current -> cql.run("DELETE FROM account_locks WHERE account = ?", account)
                .thenCompose(v -> cql.run("DELETE FROM login_failures WHERE account = ?", account))
                .thenApply(v -> current));
    }

    @Override
    public CompletionStage<List<Lock>> locks(Instant now) {
        // A scan of the whole table: it holds only the locks of the last lock period (TTL).
        return cql.all("SELECT " + LOCK_COLUMNS + " FROM account_locks", CassandraAccountLocks::lock)
                .thenApply(all -> all.stream().filter(l -> l.until().isAfter(now))
                        .sorted(Comparator.comparing(Lock::account)).toList());
    }

    /** Whole seconds, rounded up and at least 1 (a TTL of 0 means none). */
    private static int ttl(Duration d) {
        long seconds = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, seconds));
    }

    private static Lock lock(Row r) {
        return new Lock(r.getString("account"), CassandraSpool.instant(r, "locked_until"),
                CassandraSpool.instant(r, "locked_at"), r.getString("client"));
    }
}
