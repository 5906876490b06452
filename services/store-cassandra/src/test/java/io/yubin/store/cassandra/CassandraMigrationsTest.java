package io.yubin.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(CassandraTestNode.class)
class CassandraMigrationsTest {

    @Test
    void aCreatedTableGetsTheIdOfItsKeyspaceAndNameWhateverItsOptions() {
        assertThat(CassandraMigrations.withTableId("CREATE TABLE IF NOT EXISTS ks.domains (shard int, domain text, "
                + "PRIMARY KEY ((shard), domain))"))
                .isEqualTo("CREATE TABLE IF NOT EXISTS ks.domains (shard int, domain text, PRIMARY KEY ((shard), domain))"
                        + " WITH ID = " + CassandraMigrations.tableId("ks", "domains"));
        assertThat(CassandraMigrations.withTableId("CREATE TABLE IF NOT EXISTS ks.messages (\n  bucket bigint,\n"
                + "  PRIMARY KEY ((id, bucket), uid)\n)\n    WITH CLUSTERING ORDER BY (uid ASC)"))
                .endsWith("WITH CLUSTERING ORDER BY (uid ASC) AND ID = " + CassandraMigrations.tableId("ks", "messages"));
        assertThat(CassandraMigrations.withTableId("ALTER TABLE ks.spool ADD tls_required boolean"))
                .isEqualTo("ALTER TABLE ks.spool ADD tls_required boolean");
        // One id per keyspace and table: two keyspaces on one cluster never share one.
        assertThat(CassandraMigrations.tableId("ks", "domains")).isEqualTo(CassandraMigrations.tableId("KS", "Domains"))
                .isNotEqualTo(CassandraMigrations.tableId("other", "domains"))
                .isNotEqualTo(CassandraMigrations.tableId("ks", "messages"));
    }

    @Test
    void podsMigratingOneNewKeyspaceAtOnceCreateEveryTableWithTheSameId() throws Exception {
        String keyspace = "migrations_at_once";
        try (CqlSession session = CassandraStorage.connect(CassandraTestNode.options(), false)) {
            List<CompletableFuture<List<String>>> pods = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pods.add(CompletableFuture.supplyAsync(() -> CassandraMigrations.apply(session, keyspace,
                        CassandraOptions.DEFAULT_REPLICATION)));
            }
            for (CompletableFuture<List<String>> pod : pods) {
                pod.join();
            }
            assertThat(CassandraMigrations.currentVersion(session, keyspace)).isEqualTo(CassandraMigrations.latestVersion());

            Map<String, UUID> ids = new HashMap<>();
            for (Row row : session.execute(SimpleStatement.newInstance(
                    "SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = ?", keyspace))) {
                ids.put(row.getString("table_name"), row.getUuid("id"));
            }
            assertThat(ids).containsKeys("schema_version", "domains", "messages", "spool", "spam_models");
            ids.forEach((table, id) -> assertThat(id).as(table).isEqualTo(CassandraMigrations.tableId(keyspace, table)));
            session.execute("DROP KEYSPACE " + keyspace);
        }
    }
}
