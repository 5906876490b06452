package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.yubin.store.MigrationScript;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Versioned CQL migrations from {@code migrations/V<n>__<name>.cql}, applied in order and recorded in
 * {@code schema_version}. Every statement is idempotent ({@code IF NOT EXISTS}), so running the
 * migrations again, or from two servers at once, is harmless. Schema changes are rare and run before
 * the server serves, so this class uses the blocking driver API.
 */
public final class CassandraMigrations {

    private static final Logger LOG = LoggerFactory.getLogger(CassandraMigrations.class);

    /** In order; append new files, never edit an applied one. */
    static final List<String> FILES = List.of("V1__initial.cql", "V2__modseq_visible.cql",
            "V3__delay_reported.cql", "V4__tls_requirement.cql", "V5__spam_models.cql",
            "V6__account_security.cql", "V7__administrators.cql", "V8__quotas.cql", "V9__totp_last_step.cql");

    /** Schema changes wait for every node to agree on the schema; that can take a while. */
    private static final Duration SCHEMA_TIMEOUT = Duration.ofSeconds(60);

    private CassandraMigrations() {
    }

    /** The newest schema version this code knows. */
    public static int latestVersion() {
        return MigrationScript.version(FILES.get(FILES.size() - 1));
    }

    /** Creates the keyspace when missing, then applies the migrations not yet applied; returns those. */
    public static List<String> apply(CqlSession session, String keyspace, String replication) {
        exec(session, "CREATE KEYSPACE IF NOT EXISTS " + keyspace + " WITH replication = " + replication);
        exec(session, "CREATE TABLE IF NOT EXISTS " + keyspace + ".schema_version ("
                + "version int PRIMARY KEY, name text, applied_at timestamp)");
        int current = currentVersion(session, keyspace);
        List<String> applied = new ArrayList<>();
        for (String file : FILES) {
            if (MigrationScript.version(file) <= current) {
                continue;
            }
            LOG.info("applying Cassandra schema migration {} to keyspace {}", file, keyspace);
            for (String statement : MigrationScript.load(CassandraMigrations.class, "migrations", file).statements()) {
                exec(session, qualify(statement, keyspace));
            }
            exec(session, SimpleStatement.newInstance("INSERT INTO " + keyspace
                    + ".schema_version (version, name, applied_at) VALUES (?, ?, ?)", MigrationScript.version(file), file,
                    Instant.now()));
            applied.add(file);
        }
        return applied;
    }

    /** 0 when no migration was applied (or the keyspace does not exist). */
    public static int currentVersion(CqlSession session, String keyspace) {
        if (exec(session, SimpleStatement.newInstance("SELECT table_name FROM system_schema.tables "
                        + "WHERE keyspace_name = ? AND table_name = 'schema_version'", keyspace)).one() == null) {
            return 0;
        }
        int max = 0;
        for (Row r : exec(session, SimpleStatement.newInstance("SELECT version FROM " + keyspace + ".schema_version"))) {
            max = Math.max(max, r.getInt(0));
        }
        return max;
    }

    private static void exec(CqlSession session, String cql) {
        exec(session, SimpleStatement.newInstance(cql).setTimeout(SCHEMA_TIMEOUT));
    }

    /** Every statement here is idempotent, so one that lost its connection is sent again ({@link LostConnection}). */
    private static ResultSet exec(CqlSession session, SimpleStatement statement) {
        return LostConnection.retryBlocking(() -> session.execute(statement));
    }

    /** Table names in the files are unqualified; the keyspace is a setting. */
    private static String qualify(String statement, String keyspace) {
        return statement.replaceFirst("(?i)^(CREATE TABLE IF NOT EXISTS|ALTER TABLE|CREATE INDEX IF NOT EXISTS \\w+ ON)"
                + "\\s+", "$1 " + keyspace + ".");
    }
}
