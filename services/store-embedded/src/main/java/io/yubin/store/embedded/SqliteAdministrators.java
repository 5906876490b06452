package io.yubin.store.embedded;

import io.yubin.model.Domain;
import io.yubin.store.AdminRecord;
import io.yubin.store.Administrators;
import io.yubin.store.StoreException;
import io.yubin.store.Totp;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/** {@link Administrators} in the tables of migration V9. */
final class SqliteAdministrators implements Administrators {

    private static final String COLUMNS = "name, password_hash, role, domains, totp_secret, totp_enrolled_at, created_at";
    private static final String SESSION_COLUMNS = "token_hash, name, created_at, expires_at, client";

    private final SqliteDatabase db;

    SqliteAdministrators(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    public CompletionStage<Void> add(AdminRecord admin) {
        return db.write(c -> {
            if (Sql.exists(c, "SELECT 1 FROM administrators WHERE name = ?", admin.name())) {
                throw StoreException.conflict("name", "an administrator " + admin.name() + " exists");
            }
            Sql.update(c, "INSERT INTO administrators (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", admin.name(),
                    admin.passwordHash(), admin.role().name(), domains(admin.domains()),
                    admin.totp().map(Totp::secret).orElse(null),
                    Sql.nanos(admin.totp().map(Totp::enrolledAt).orElse(null)), Sql.nanos(admin.createdAt()));
            return null;
        });
    }

    @Override
    public CompletionStage<Optional<AdminRecord>> find(String name) {
        return db.readStatement(c -> Sql.one(c, "SELECT " + COLUMNS + " FROM administrators WHERE name = ?",
                SqliteAdministrators::admin, name));
    }

    @Override
    public CompletionStage<List<AdminRecord>> list() {
        return db.readStatement(c -> Sql.list(c, "SELECT " + COLUMNS + " FROM administrators ORDER BY name",
                SqliteAdministrators::admin));
    }

    @Override
    public CompletionStage<Void> remove(String name) {
        return db.write(c -> {
            requireUpdated(c, "DELETE FROM administrators WHERE name = ?", name);
            Sql.update(c, "DELETE FROM admin_sessions WHERE name = ?", name);
            return null;
        });
    }

    @Override
    public CompletionStage<Void> setPasswordHash(String name, String passwordHash) {
        return db.write(c -> requireUpdated(c, "UPDATE administrators SET password_hash = ? WHERE name = ?",
                passwordHash, name));
    }

    @Override
    public CompletionStage<Void> setTotp(String name, Optional<Totp> totp) {
        return db.write(c -> requireUpdated(c, "UPDATE administrators SET totp_secret = ?, totp_enrolled_at = ?, "
                + "totp_last_step = NULL WHERE name = ?", totp.map(Totp::secret).orElse(null),
                Sql.nanos(totp.map(Totp::enrolledAt).orElse(null)), name));
    }

    @Override
    public CompletionStage<Boolean> useTotpStep(String name, long step) {
        return db.write(c -> {
            if (Sql.update(c, "UPDATE administrators SET totp_last_step = ? WHERE name = ? "
                    + "AND (totp_last_step IS NULL OR totp_last_step < ?)", step, name, step) == 1) {
                return true;
            }
            if (!Sql.exists(c, "SELECT 1 FROM administrators WHERE name = ?", name)) {
                throw StoreException.notFound("name", "no administrator " + name);
            }
            return false;
        });
    }

    @Override
    public CompletionStage<Void> setRole(String name, AdminRecord.Role role, Set<Domain> domains) {
        AdminRecord.checkDomains(role, domains);
        return db.write(c -> requireUpdated(c, "UPDATE administrators SET role = ?, domains = ? WHERE name = ?",
                role.name(), domains(domains), name));
    }

    @Override
    public CompletionStage<Void> addSession(Session session) {
        return db.write(c -> {
            // Every expired session, not only this administrator's: nothing else sweeps them.
            Sql.update(c, "DELETE FROM admin_sessions WHERE expires_at <= ?", Sql.nanos(session.createdAt()));
            Sql.update(c, "INSERT INTO admin_sessions (" + SESSION_COLUMNS + ") VALUES (?, ?, ?, ?, ?)",
                    session.tokenHash(), session.name(), Sql.nanos(session.createdAt()), Sql.nanos(session.expiresAt()),
                    session.client());
            return null;
        });
    }

    @Override
    public CompletionStage<Void> removeSessions(String name) {
        return db.write(c -> {
            Sql.update(c, "DELETE FROM admin_sessions WHERE name = ?", name);
            return null;
        });
    }

    @Override
    public CompletionStage<Optional<Session>> findSession(String tokenHash, Instant now) {
        return db.readStatement(c -> Sql.one(c, "SELECT " + SESSION_COLUMNS + " FROM admin_sessions "
                + "WHERE token_hash = ? AND expires_at > ?", SqliteAdministrators::session, tokenHash, Sql.nanos(now)));
    }

    @Override
    public CompletionStage<Void> removeSession(String tokenHash) {
        return db.write(c -> {
            Sql.update(c, "DELETE FROM admin_sessions WHERE token_hash = ?", tokenHash);
            return null;
        });
    }

    private static Void requireUpdated(Connection c, String sql, Object... args) throws SQLException {
        if (Sql.update(c, sql, args) == 0) {
            throw StoreException.notFound("name", "no administrator " + args[args.length - 1]);
        }
        return null;
    }

    private static String domains(Set<Domain> domains) {
        return domains.stream().map(Domain::ascii).sorted().collect(Collectors.joining(","));
    }

    private static AdminRecord admin(ResultSet rs) throws SQLException {
        String secret = rs.getString("totp_secret");
        Optional<Totp> totp = secret == null ? Optional.empty()
                : Optional.of(new Totp(secret, Sql.instant(rs, "totp_enrolled_at")));
        String domains = rs.getString("domains");
        Set<Domain> parsed = domains.isEmpty() ? Set.of()
                : Arrays.stream(domains.split(",")).map(Domain::new).collect(Collectors.toSet());
        return new AdminRecord(rs.getString("name"), rs.getString("password_hash"),
                AdminRecord.Role.valueOf(rs.getString("role")), parsed, totp, Sql.instant(rs, "created_at"));
    }

    private static Session session(ResultSet rs) throws SQLException {
        return new Session(rs.getString("token_hash"), rs.getString("name"), Sql.instant(rs, "created_at"),
                Sql.instant(rs, "expires_at"), rs.getString("client"));
    }
}
