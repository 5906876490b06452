package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.ResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.yubin.store.MigrationScript;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
            "V6__account_security.cql", "V7__administrators.cql", "V8__quotas.cql", "V9__totp_last_step.cql",
            "V10__spam_models_unbounded.cql");

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
        exec(session, withTableId("CREATE TABLE IF NOT EXISTS " + keyspace + ".schema_version ("
                + "version int PRIMARY KEY, name text, applied_at timestamp)"));
        int current = currentVersion(session, keyspace);
        List<String> applied = new ArrayList<>();
        for (String file : FILES) {
            if (MigrationScript.version(file) <= current) {
                continue;
            }
            LOG.info("applying Cassandra schema migration {} to keyspace {}", file, keyspace);
            for (String statement : MigrationScript.load(CassandraMigrations.class, "migrations", file).statements()) {
                exec(session, withTableId(qualify(statement, keyspace)));
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

    /**
     * The id a table of ours gets, from its keyspace and name alone. Cassandra (before its
     * transactional metadata) gives a new table a random id at the coordinator, so two pods creating
     * the same table at once through two coordinators made two ids for one table: the schema merge
     * keeps one, and writes taken under the other are lost or fail ("Column family ID mismatch").
     * The same id from every pod makes the creations one. No migration drops a table, so an id is
     * never used for a second table of the same name.
     */
    static UUID tableId(String keyspace, String table) {
        return UUID.nameUUIDFromBytes(("yubin-table:" + keyspace.toLowerCase(Locale.ROOT) + "."
                + table.toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8));
    }

    private static final Pattern CREATE_TABLE = Pattern.compile("(?is)^CREATE TABLE IF NOT EXISTS\\s+(\\w+)\\.(\\w+)\\s*\\(");

    /** {@code statement} with {@code ID = } {@link #tableId} when it creates a table; others unchanged. */
    static String withTableId(String statement) {
        String cql = statement.strip();
        Matcher m = CREATE_TABLE.matcher(cql);
        if (!m.lookingAt()) {
            return statement;
        }
        // the end of the column list: the parenthesis that closes the one the match ends with
        int depth = 1;
        int end = m.end();
        while (depth > 0 && end < cql.length()) {
            char c = cql.charAt(end++);
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        }
        if (depth > 0) {
            throw new IllegalArgumentException("unbalanced parentheses in: " + cql);
        }
        boolean options = cql.substring(end).stripLeading().regionMatches(true, 0, "WITH", 0, 4);
        return cql + (options ? " AND" : " WITH") + " ID = " + tableId(m.group(1), m.group(2));
    }

    /** Table names in the files are unqualified; the keyspace is a setting. */
    private static String qualify(String statement, String keyspace) {
        return statement.replaceFirst("(?i)^(CREATE TABLE IF NOT EXISTS|ALTER TABLE|CREATE INDEX IF NOT EXISTS \\w+ ON)"
                + "\\s+", "$1 " + keyspace + ".");
    }
}
