package io.yubin.store.embedded;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.Alias;
import io.yubin.store.AliasSource;
import io.yubin.store.AppPassword;
import io.yubin.store.Directory;
import io.yubin.store.QuotaLimits;
import io.yubin.store.StoreException;
import io.yubin.store.Totp;
import io.yubin.store.UserRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** {@link Directory} in the embedded SQLite database. */
final class SqliteDirectory implements Directory {

    private static final String USER_COLUMNS = "local_part, domain, password_hash, quota_bytes, quota_messages, "
            + "created_at, totp_secret, totp_enrolled_at";

    private final SqliteDatabase db;

    SqliteDirectory(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    public CompletionStage<Void> addDomain(Domain domain) {
        return db.write(c -> {
            if (domainExists(c, domain)) {
                throw StoreException.conflict("domain", "domain " + domain + " exists");
            }
            Sql.update(c, "INSERT INTO domains(name) VALUES (?)", domain.ascii());
            return null;
        });
    }

    @Override
    public CompletionStage<Void> removeDomain(Domain domain) {
        return db.write(c -> {
            if (!domainExists(c, domain)) {
                throw StoreException.notFound("domain", "domain " + domain + " is not local");
            }
            if (Sql.exists(c, "SELECT 1 FROM users WHERE domain = ?", domain.ascii())
                    || Sql.exists(c, "SELECT 1 FROM aliases WHERE domain = ?", domain.ascii())) {
                throw StoreException.conflict("domain", "domain " + domain + " still has users or aliases");
            }
            Sql.update(c, "DELETE FROM domains WHERE name = ?", domain.ascii());
            return null;
        });
    }

    @Override
    public CompletionStage<List<Domain>> listDomains() {
        return db.read(c -> Sql.list(c, "SELECT name FROM domains ORDER BY name", rs -> new Domain(rs.getString(1))));
    }

    @Override
    public CompletionStage<Boolean> isLocalDomain(Domain domain) {
        return db.readStatement(c -> domainExists(c, domain));
    }

    @Override
    public CompletionStage<Void> addUser(UserRecord user) {
        return db.write(c -> {
            MailAddress a = user.address();
            requireLocalDomain(c, a.domain());
            if (Sql.exists(c, "SELECT 1 FROM users WHERE address = ?", a.canonical())) {
                throw StoreException.conflict("address", "user " + a + " exists");
            }
            if (Sql.exists(c, "SELECT 1 FROM aliases WHERE source = ?", a.canonical())) {
                throw StoreException.conflict("address", a + " is an alias");
            }
            Sql.update(c, "INSERT INTO users(address, " + USER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    a.canonical(), a.localPart(), a.domain().ascii(), user.passwordHash(),
                    user.quota().storageBytes(), user.quota().messages(),
                    Sql.nanos(user.createdAt()), user.totp().map(Totp::secret).orElse(null),
                    Sql.nanos(user.totp().map(Totp::enrolledAt).orElse(null)));
            return null;
        });
    }

    @Override
    public CompletionStage<Optional<UserRecord>> findUser(MailAddress address) {
        return db.readStatement(c -> Sql.one(c, "SELECT " + USER_COLUMNS + " FROM users WHERE address = ?",
                SqliteDirectory::user, address.canonical()));
    }

    @Override
    public CompletionStage<Void> setPasswordHash(MailAddress user, String passwordHash) {
        return db.write(c -> {
            if (Sql.update(c, "UPDATE users SET password_hash = ? WHERE address = ?", passwordHash,
                    user.canonical()) == 0) {
                throw StoreException.notFound("address", "no user " + user);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> setTotp(MailAddress user, Optional<Totp> totp) {
        return db.write(c -> {
            if (Sql.update(c, "UPDATE users SET totp_secret = ?, totp_enrolled_at = ? WHERE address = ?",
                    totp.map(Totp::secret).orElse(null), Sql.nanos(totp.map(Totp::enrolledAt).orElse(null)),
                    user.canonical()) == 0) {
                throw StoreException.notFound("address", "no user " + user);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> setQuota(MailAddress user, QuotaLimits quota) {
        return db.write(c -> {
            if (Sql.update(c, "UPDATE users SET quota_bytes = ?, quota_messages = ? WHERE address = ?",
                    quota.storageBytes(), quota.messages(), user.canonical()) == 0) {
                throw StoreException.notFound("address", "no user " + user);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> setDomainQuota(Domain domain, QuotaLimits quota) {
        return db.write(c -> {
            if (Sql.update(c, "UPDATE domains SET quota_bytes = ?, quota_messages = ? WHERE name = ?",
                    quota.storageBytes(), quota.messages(), domain.ascii()) == 0) {
                throw StoreException.notFound("domain", "domain " + domain + " is not local");
            }
            return null;
        });
    }

    @Override
    public CompletionStage<QuotaLimits> domainQuota(Domain domain) {
        return db.readStatement(c -> Sql.one(c, "SELECT quota_bytes, quota_messages FROM domains WHERE name = ?",
                rs -> new QuotaLimits(rs.getLong(1), rs.getLong(2)), domain.ascii()).orElse(QuotaLimits.NONE));
    }

    @Override
    public CompletionStage<List<UserRecord>> listUsers(Domain domain) {
        return db.read(c -> domain == null
                ? Sql.list(c, "SELECT " + USER_COLUMNS + " FROM users ORDER BY address", SqliteDirectory::user)
                : Sql.list(c, "SELECT " + USER_COLUMNS + " FROM users WHERE domain = ? ORDER BY address",
                        SqliteDirectory::user, domain.ascii()));
    }

    @Override
    public CompletionStage<Void> removeUser(MailAddress user) {
        return db.write(c -> {
            Sql.update(c, "DELETE FROM app_passwords WHERE owner = ?", user.canonical());
            if (Sql.update(c, "DELETE FROM users WHERE address = ?", user.canonical()) == 0) {
                throw StoreException.notFound("address", "no user " + user);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> addAlias(AliasSource source, MailAddress target) {
        return db.write(c -> {
            requireLocalDomain(c, source.domain());
            if (!source.isCatchAll()
                    && Sql.exists(c, "SELECT 1 FROM users WHERE address = ?", source.canonical())) {
                throw StoreException.conflict("source", source + " is a user");
            }
            if (Sql.exists(c, "SELECT 1 FROM aliases WHERE source = ? AND target = ?", source.canonical(),
                    target.canonical())) {
                throw StoreException.conflict("target", source + " already has target " + target);
            }
            Sql.update(c, "INSERT INTO aliases(source, source_local_part, domain, target, target_local_part, "
                    + "target_domain) VALUES (?, ?, ?, ?, ?, ?)", source.canonical(),
                    source.isCatchAll() ? null : source.address().localPart(), source.domain().ascii(),
                    target.canonical(), target.localPart(), target.domain().ascii());
            return null;
        });
    }

    @Override
    public CompletionStage<Void> removeAlias(AliasSource source, MailAddress target) {
        return db.write(c -> {
            int removed = target == null
                    ? Sql.update(c, "DELETE FROM aliases WHERE source = ?", source.canonical())
                    : Sql.update(c, "DELETE FROM aliases WHERE source = ? AND target = ?", source.canonical(),
                            target.canonical());
            if (removed == 0) {
                throw StoreException.notFound("source", "no alias " + source + (target == null ? "" : " -> " + target));
            }
            return null;
        });
    }

    @Override
    public CompletionStage<List<MailAddress>> aliasTargets(AliasSource source) {
        return db.readStatement(c -> Sql.list(c,
                "SELECT target_local_part, target_domain FROM aliases WHERE source = ? ORDER BY target",
                rs -> Sql.address(rs.getString(1), rs.getString(2)), source.canonical()));
    }

    @Override
    public CompletionStage<List<Alias>> listAliases(Domain domain) {
        String select = "SELECT source_local_part, domain, target_local_part, target_domain FROM aliases ";
        return db.read(c -> domain == null
                ? Sql.list(c, select + "ORDER BY source, target", SqliteDirectory::alias)
                : Sql.list(c, select + "WHERE domain = ? ORDER BY source, target", SqliteDirectory::alias,
                        domain.ascii()));
    }

    @Override
    public CompletionStage<Void> addAppPassword(MailAddress user, AppPassword password) {
        return db.write(c -> {
            if (!Sql.exists(c, "SELECT 1 FROM users WHERE address = ?", user.canonical())) {
                throw StoreException.notFound("address", "no user " + user);
            }
            if (Sql.exists(c, "SELECT 1 FROM app_passwords WHERE owner = ? AND id = ?", user.canonical(),
                    password.id())) {
                throw StoreException.conflict("id", "app password id " + password.id() + " is taken");
            }
            Sql.update(c, "INSERT INTO app_passwords(owner, id, label, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    user.canonical(), password.id(), password.label(), password.secretHash(),
                    Sql.nanos(password.createdAt()));
            return null;
        });
    }

    @Override
    public CompletionStage<List<AppPassword>> listAppPasswords(MailAddress user) {
        return db.read(c -> Sql.list(c, "SELECT id, label, secret_hash, created_at FROM app_passwords "
                + "WHERE owner = ? ORDER BY created_at, id",
                rs -> new AppPassword(rs.getString("id"), rs.getString("label"), rs.getString("secret_hash"),
                        Sql.instant(rs, "created_at")),
                user.canonical()));
    }

    @Override
    public CompletionStage<Void> revokeAppPassword(MailAddress user, String id) {
        return db.write(c -> {
            if (Sql.update(c, "DELETE FROM app_passwords WHERE owner = ? AND id = ?", user.canonical(), id) == 0) {
                throw StoreException.notFound("id", "no app password " + id + " for " + user);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Optional<MailAddress>> findAppPasswordOwner(String secretHash) {
        return db.read(c -> Sql.one(c, "SELECT u.local_part, u.domain FROM app_passwords p "
                + "JOIN users u ON u.address = p.owner WHERE p.secret_hash = ? ORDER BY p.created_at LIMIT 1",
                rs -> Sql.address(rs.getString(1), rs.getString(2)), secretHash));
    }

    private static boolean domainExists(Connection c, Domain domain) throws SQLException {
        return Sql.exists(c, "SELECT 1 FROM domains WHERE name = ?", domain.ascii());
    }

    private static void requireLocalDomain(Connection c, Domain domain) throws SQLException {
        if (!domainExists(c, domain)) {
            throw StoreException.notFound("domain", "domain " + domain + " is not local");
        }
    }

    private static UserRecord user(ResultSet rs) throws SQLException {
        String secret = rs.getString("totp_secret");
        Optional<Totp> totp = secret == null ? Optional.empty()
                : Optional.of(new Totp(secret, Sql.instant(rs, "totp_enrolled_at")));
        return new UserRecord(Sql.address(rs.getString("local_part"), rs.getString("domain")),
                rs.getString("password_hash"),
                new QuotaLimits(rs.getLong("quota_bytes"), rs.getLong("quota_messages")), Sql.instant(rs, "created_at"),
                totp);
    }

    private static Alias alias(ResultSet rs) throws SQLException {
        String sourceLocal = rs.getString(1);
        Domain domain = new Domain(rs.getString(2));
        AliasSource source = sourceLocal == null ? AliasSource.catchAll(domain)
                : AliasSource.of(new MailAddress(sourceLocal, domain));
        return new Alias(source, Sql.address(rs.getString(3), rs.getString(4)));
    }
}
