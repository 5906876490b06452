package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.yubin.store.BlobStore;
import io.yubin.store.Storage;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Cassandra node ({@link CassandraNodes}: a process, or a container where Docker is) for the whole test run (started by the first class that asks, stopped when
 * JUnit closes its root store), one migrated keyspace on it, and storages on that keyspace. A storage
 * opened for a new test directory starts from empty tables; opening the same directory again sees the
 * same data, as the contract suite's reopen checks expect.
 */
final class CassandraTestNode implements BeforeAllCallback {

    static final String KEYSPACE = "yubin_test";

    private static volatile Running running;
    private static Path lastDir;

    @Override
    public void beforeAll(ExtensionContext context) {
        running = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("yubin-cassandra", k -> Running.start(), Running.class);
    }

    static CassandraNode node() {
        return require().node();
    }

    static CassandraOptions options() {
        return CassandraOptions.of(node().contactPoint(), node().localDatacenter(), KEYSPACE)
                .withRequestTimeout(Duration.ofSeconds(10));
    }

    /** Cassandra metadata on the run's keyspace with bodies in {@code blobs}; a new {@code dir} empties it first. */
    static synchronized Storage open(Path dir, BlobStore blobs) {
        Running r = require();
        if (!dir.equals(lastDir)) {
            r.truncateAll();
            lastDir = dir;
        }
        return CassandraStorage.open(r.session(), false, blobs);
    }

    private static Running require() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(CassandraTestNode.class)");
        }
        return r;
    }

    /** The node and a session for emptying tables; both go when JUnit closes the root store. */
    record Running(CassandraNode node, CqlSession admin, CqlSession session)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {

        static Running start() {
            try {
                Path parent = Files.createDirectories(Path.of("target", "cassandra"));
                CassandraNode node = CassandraNodes.start(Files.createTempDirectory(parent, "node-"));
                CassandraOptions options = CassandraOptions.of(node.contactPoint(), node.localDatacenter(), KEYSPACE);
                CqlSession admin = CassandraStorage.connect(options, false);
                CassandraMigrations.apply(admin, KEYSPACE, CassandraOptions.DEFAULT_REPLICATION);
                return new Running(node, admin, CassandraStorage.connect(options, true));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        void truncateAll() {
            long t0 = System.nanoTime();
            List<String> tables = new ArrayList<>();
            for (Row row : admin.execute(SimpleStatement.newInstance(
                    "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", KEYSPACE))) {
                if (!row.getString(0).equals("schema_version")) {
                    tables.add(row.getString(0));
                }
            }
            // A TRUNCATE costs a flush even of an empty table (about 0.4 s for all of them, before every
            // test): only the tables a test wrote to are emptied, found by reading one row of each.
            long truncated = tables.stream().map(t -> admin.executeAsync(SimpleStatement.newInstance(
                            "SELECT * FROM " + KEYSPACE + "." + t + " LIMIT 1")).toCompletableFuture()
                            .thenCompose(rows -> rows.one() == null ? CompletableFuture.completedFuture(false)
                                    : admin.executeAsync(SimpleStatement.newInstance("TRUNCATE " + KEYSPACE + "." + t)
                                            .setTimeout(Duration.ofSeconds(60))).thenApply(done -> true)))
                    .toList().stream().filter(CompletableFuture::join).count();
            org.slf4j.LoggerFactory.getLogger(CassandraTestNode.class).info("truncated {} of {} tables in {} ms",
                    truncated, tables.size(), (System.nanoTime() - t0) / 1_000_000);
        }

        @Override
        public void close() throws InterruptedException {
            try {
                session.close();
                admin.close();
            } finally {
                node.close();
            }
        }
    }
}
