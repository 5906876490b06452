package io.yubin.store.embedded;

import io.yubin.store.MigrationScript;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned schema migrations from classpath resources {@code migrations/V<n>__<name>.sql}, applied
 * in order, each in its own transaction together with its row in {@code schema_version}.
 */
final class Migrations {

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    /** In order; append new files, never edit an applied one. */
    static final List<String> FILES = List.of("V1__initial.sql", "V2__blob_structure.sql", "V3__inline_blobs.sql",
            "V4__recent.sql",
            "V5__delay_reported.sql", "V6__tls_requirement.sql", "V7__spam_models.sql", "V8__account_security.sql",
            "V9__administrators.sql", "V10__quotas.sql", "V11__totp_last_step.sql");

    private Migrations() {
    }

    static void apply(Connection c) throws SQLException {
        SqliteDatabase.exec(c, "CREATE TABLE IF NOT EXISTS schema_version ("
                + "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
        int current = currentVersion(c);
        for (String file : FILES) {
            int version = MigrationScript.version(file);
            if (version <= current) {
                continue;
            }
            LOG.info("applying schema migration {}", file);
            SqliteDatabase.exec(c, "BEGIN IMMEDIATE");
            try {
                for (String statement : MigrationScript.load(Migrations.class, "migrations", file).statements()) {
                    execOnce(c, statement);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO schema_version(version, name, applied_at) VALUES (?, ?, ?)")) {
                    ps.setInt(1, version);
                    ps.setString(2, file);
                    ps.setLong(3, System.currentTimeMillis());
                    ps.executeUpdate();
                }
                SqliteDatabase.exec(c, "COMMIT");
            } catch (SQLException | RuntimeException e) {
                SqliteDatabase.exec(c, "ROLLBACK");
                throw e;
            }
        }
    }

    /** Migration statements run once: not kept in the statement cache. */
    private static void execOnce(Connection c, String sql) throws SQLException {
        try (java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static int currentVersion(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(max(version), 0) FROM schema_version");
                ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }
}
