package io.yubin.store.embedded;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Small JDBC helpers shared by the embedded backend's parts. Statements are prepared once per
 * connection and kept: preparing took a fifth of the writer's and readers' time under SMTP load. A
 * connection is used by one thread at a time (the writer thread, or a reader holding it from the
 * pool), so its statements are too.
 */
final class Sql {

    private static final Map<Connection, Map<String, PreparedStatement>> STATEMENTS = new ConcurrentHashMap<>();

    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private Sql() {
    }

    static int update(Connection c, String sql, Object... args) throws SQLException {
        return using(c, sql, args, PreparedStatement::executeUpdate);
    }

    /** Runs a statement without parameters or results (BEGIN, COMMIT, SAVEPOINT, ...). */
    static void exec(Connection c, String sql) throws SQLException {
        using(c, sql, new Object[0], PreparedStatement::execute);
    }

    static <T> List<T> list(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        return using(c, sql, args, ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                List<T> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(mapper.map(rs));
                }
                return out;
            }
        });
    }

    static <T> Optional<T> one(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
        return using(c, sql, args, ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(mapper.map(rs)) : Optional.empty();
            }
        });
    }

    static boolean exists(Connection c, String sql, Object... args) throws SQLException {
        return using(c, sql, args, ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        });
    }

    static long longValue(Connection c, String sql, Object... args) throws SQLException {
        return using(c, sql, args, ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        });
    }

    @FunctionalInterface
    private interface Use<T> {
        T apply(PreparedStatement ps) throws SQLException;
    }

    /**
     * Runs {@code use} on the cached statement. A statement whose run failed is closed and dropped
     * from the cache: the driver may have finalized it (it then answers "statement is not executing"
     * to every later use while {@code isClosed()} still says false), and a ROLLBACK that could never
     * run again left the writer inside a transaction for good after a full disk.
     */
    private static <T> T using(Connection c, String sql, Object[] args, Use<T> use) throws SQLException {
        PreparedStatement ps = prepare(c, sql, args);
        try {
            return use.apply(ps);
        } catch (SQLException | RuntimeException e) {
            Map<String, PreparedStatement> cache = STATEMENTS.get(c);
            if (cache != null) {
                cache.remove(sql, ps);
            }
            try {
                ps.close();
            } catch (SQLException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The connection's cached statement for {@code sql}, its parameters set to {@code args}. */
    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        Map<String, PreparedStatement> cache = STATEMENTS.computeIfAbsent(c, k -> new HashMap<>());
        PreparedStatement ps = cache.get(sql);
        if (ps == null || ps.isClosed()) {
            ps = c.prepareStatement(sql);
            cache.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    /** Closes the connection's cached statements; call before closing the connection. */
    static void forget(Connection c) {
        Map<String, PreparedStatement> cache = STATEMENTS.remove(c);
        if (cache == null) {
            return;
        }
        for (PreparedStatement ps : cache.values()) {
            try {
                ps.close();
            } catch (SQLException e) {
                // The connection is closing anyway; it finalizes what is left.
            }
        }
    }

    /** Instants are stored as epoch nanoseconds so they round-trip exactly and sort as numbers. */
    static Long nanos(Instant instant) {
        if (instant == null) {
            return null;
        }
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        if (rs.wasNull()) {
            return null;
        }
        return Instant.ofEpochSecond(Math.floorDiv(v, 1_000_000_000L), Math.floorMod(v, 1_000_000_000L));
    }

    /** Rebuilds an address from its stored spelling without parsing it again. */
    static MailAddress address(String localPart, String domain) {
        return localPart == null ? null : new MailAddress(localPart, new Domain(domain));
    }
}
