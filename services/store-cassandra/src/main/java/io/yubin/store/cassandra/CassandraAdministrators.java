package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.Row;
import io.yubin.model.Domain;
import io.yubin.store.AdminRecord;
import io.yubin.store.Administrators;
import io.yubin.store.StoreException;
import io.yubin.store.Totp;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * {@link Administrators} in the tables of migration V7. Sessions expire by TTL. Updates are
 * lightweight transactions ({@code IF EXISTS}) so an update never brings back a removed administrator.
 */
final class CassandraAdministrators implements Administrators {

    private static final String COLUMNS = "name, password_hash, role, domains, totp_secret, totp_enrolled_at, created_at";
    private static final String SESSION_COLUMNS = "token_hash, name, created_at, expires_at, client";

    private final Cql cql;

    CassandraAdministrators(Cql cql) {
        this.cql = cql;
    }

    @Override
    public CompletionStage<Void> add(AdminRecord admin) {
        return cql.applied("INSERT INTO administrators (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
                        admin.name(), admin.passwordHash(), admin.role().name(), domains(admin.domains()),
                        admin.totp().map(Totp::secret).orElse(null),
                        CassandraSpool.nanos(admin.totp().map(Totp::enrolledAt).orElse(null)),
                        CassandraSpool.nanos(admin.createdAt()))
                .thenAccept(applied -> {
                    if (!applied) {
                        throw StoreException.conflict("name", "an administrator " + admin.name() + " exists");
                    }
                });
    }

    @Override
    public CompletionStage<Optional<AdminRecord>> find(String name) {
        return cql.one("SELECT " + COLUMNS + " FROM administrators WHERE name = ?", name)
                .thenApply(row -> row.map(CassandraAdministrators::admin));
    }

    @Override
    public CompletionStage<List<AdminRecord>> list() {
        // A scan of the whole table: it holds a handful of rows.
        return cql.all("SELECT " + COLUMNS + " FROM administrators", CassandraAdministrators::admin)
                .thenApply(all -> all.stream().sorted(Comparator.comparing(AdminRecord::name)).toList());
    }

    @Override
    public CompletionStage<Void> remove(String name) {
        return cql.applied("DELETE FROM administrators WHERE name = ? IF EXISTS", name)
                .thenCompose(applied -> {
                    if (!applied) {
                        throw StoreException.notFound("name", "no administrator " + name);
                    }
                    return removeSessions(name);
                });
    }

    @Override
    public CompletionStage<Void> removeSessions(String name) {
        return cql.all("SELECT token_hash FROM admin_sessions_by_name WHERE name = ?", r -> r.getString("token_hash"),
                        name)
                .thenCompose(tokens -> cql.parallel(tokens.stream()
                        .map(t -> cql.run("DELETE FROM admin_sessions WHERE token_hash = ?", t)).toList()))
                .thenCompose(v -> cql.run("DELETE FROM admin_sessions_by_name WHERE name = ?", name));
    }

    @Override
    public CompletionStage<Void> setPasswordHash(String name, String passwordHash) {
        return update(name, "UPDATE administrators SET password_hash = ? WHERE name = ? IF EXISTS", passwordHash, name);
    }

    @Override
    public CompletionStage<Void> setTotp(String name, Optional<Totp> totp) {
        return update(name, "UPDATE administrators SET totp_secret = ?, totp_enrolled_at = ?, totp_last_step = null "
                + "WHERE name = ? IF EXISTS", totp.map(Totp::secret).orElse(null),
                CassandraSpool.nanos(totp.map(Totp::enrolledAt).orElse(null)), name);
    }

    /**
     * A lightweight transaction on the last step, so that two members given the same code at once accept
     * it once: as the first code ever used (the row must exist: an update would create it), else as a
     * later step than the last.
     */
    @Override
    public CompletionStage<Boolean> useTotpStep(String name, long step) {
        return cql.one("SELECT totp_last_step FROM administrators WHERE name = ?", name).thenCompose(row -> {
            if (row.isEmpty()) {
                throw StoreException.notFound("name", "no administrator " + name);
            }
            if (!row.get().isNull(0)) {
                return cql.applied("UPDATE administrators SET totp_last_step = ? WHERE name = ? IF totp_last_step < ?",
                        step, name, step);
            }
            return cql.applied("UPDATE administrators SET totp_last_step = ? WHERE name = ? "
                    + "IF totp_last_step = null AND created_at >= ?", step, name, Long.MIN_VALUE)
                    // Not applied: another member used a code first, or the administrator is gone; look again.
                    .thenCompose(applied -> applied ? CompletableFuture.completedFuture(true) : useTotpStep(name, step));
        });
    }

    @Override
    public CompletionStage<Void> setRole(String name, AdminRecord.Role role, Set<Domain> domains) {
        AdminRecord.checkDomains(role, domains);
        return update(name, "UPDATE administrators SET role = ?, domains = ? WHERE name = ? IF EXISTS", role.name(),
                domains(domains), name);
    }

    @Override
    public CompletionStage<Void> addSession(Session session) {
        int ttl = ttl(Duration.between(session.createdAt(), session.expiresAt()));
        return cql.run("INSERT INTO admin_sessions (" + SESSION_COLUMNS + ") VALUES (?, ?, ?, ?, ?) USING TTL ?",
                        session.tokenHash(), session.name(), CassandraSpool.nanos(session.createdAt()),
                        CassandraSpool.nanos(session.expiresAt()), session.client(), ttl)
                .thenCompose(v -> cql.run("INSERT INTO admin_sessions_by_name (name, token_hash) VALUES (?, ?) "
                        + "USING TTL ?", session.name(), session.tokenHash(), ttl));
    }

    @Override
    public CompletionStage<Optional<Session>> findSession(String tokenHash, Instant now) {
        return cql.one("SELECT " + SESSION_COLUMNS + " FROM admin_sessions WHERE token_hash = ?", tokenHash)
                .thenApply(row -> row.map(CassandraAdministrators::session).filter(s -> s.expiresAt().isAfter(now)));
    }

    @Override
    public CompletionStage<Void> removeSession(String tokenHash) {
        return cql.run("DELETE FROM admin_sessions WHERE token_hash = ?", tokenHash);
    }

    private CompletionStage<Void> update(String name, String statement, Object... values) {
        return cql.applied(statement, values).thenAccept(applied -> {
            if (!applied) {
                throw StoreException.notFound("name", "no administrator " + name);
            }
        });
    }

    private static Set<String> domains(Set<Domain> domains) {
        return domains.stream().map(Domain::ascii).collect(Collectors.toSet());
    }

    /** Whole seconds, rounded up and at least 1 (a TTL of 0 means none). */
    private static int ttl(Duration d) {
        long seconds = d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, seconds));
    }

    private static AdminRecord admin(Row r) {
        String secret = r.getString("totp_secret");
        Optional<Totp> totp = secret == null ? Optional.empty()
                : Optional.of(new Totp(secret, CassandraSpool.instant(r, "totp_enrolled_at")));
        Set<Domain> domains = r.getSet("domains", String.class).stream().map(Domain::new).collect(Collectors.toSet());
        return new AdminRecord(r.getString("name"), r.getString("password_hash"),
                AdminRecord.Role.valueOf(r.getString("role")), domains, totp, CassandraSpool.instant(r, "created_at"));
    }

    private static Session session(Row r) {
        return new Session(r.getString("token_hash"), r.getString("name"), CassandraSpool.instant(r, "created_at"),
                CassandraSpool.instant(r, "expires_at"), r.getString("client"));
    }
}
