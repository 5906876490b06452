package io.yubin.store.embedded;

import io.yubin.store.AccountLocks;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** {@link AccountLocks} in the tables of migration V8. */
final class SqliteAccountLocks implements AccountLocks {

    private final SqliteDatabase db;

    SqliteAccountLocks(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    public CompletionStage<Integer> recordFailure(String account, Instant at, Duration window) {
        long after = Sql.nanos(at.minus(window));
        return db.write(c -> {
            // Every account's old failures, not only this one's: accounts never tried again leave nothing behind.
            Sql.update(c, "DELETE FROM login_failures WHERE at <= ?", after);
            Sql.update(c, "INSERT INTO login_failures (account, at) VALUES (?, ?)", account, Sql.nanos(at));
            return (int) Sql.longValue(c, "SELECT count(*) FROM login_failures WHERE account = ? AND at > ? AND at <= ?",
                    account, after, Sql.nanos(at));
        });
    }

    @Override
    public CompletionStage<Void> lock(Lock lock) {
        return db.write(c -> {
            Sql.update(c, "INSERT INTO account_locks (account, until, locked_at, client) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT (account) DO UPDATE SET until = excluded.until, locked_at = excluded.locked_at, "
                    + "client = excluded.client", lock.account(), Sql.nanos(lock.until()), Sql.nanos(lock.lockedAt()),
                    lock.client());
            return null;
        });
    }

    @Override
    public CompletionStage<Optional<Lock>> find(String account, Instant now) {
        return db.readStatement(c -> Sql.one(c, "SELECT account, until, locked_at, client FROM account_locks "
                + "WHERE account = ? AND until > ?", SqliteAccountLocks::lock, account, Sql.nanos(now)));
    }

    @Override
    public CompletionStage<Optional<Lock>> clear(String account, Instant now) {
        return db.write(c -> {
            Optional<Lock> current = Sql.one(c, "SELECT account, until, locked_at, client FROM account_locks "
                    + "WHERE account = ? AND until > ?", SqliteAccountLocks::lock, account, Sql.nanos(now));
            Sql.update(c, "DELETE FROM account_locks WHERE account = ?", account);
            Sql.update(c, "DELETE FROM login_failures WHERE account = ?", account);
            return current;
        });
    }

    @Override
    public CompletionStage<List<Lock>> locks(Instant now) {
        return db.readStatement(c -> Sql.list(c, "SELECT account, until, locked_at, client FROM account_locks "
                + "WHERE until > ? ORDER BY account", SqliteAccountLocks::lock, Sql.nanos(now)));
    }

    private static Lock lock(ResultSet rs) throws SQLException {
        return new Lock(rs.getString("account"), Sql.instant(rs, "until"), Sql.instant(rs, "locked_at"),
                rs.getString("client"));
    }
}
