package io.yubin.server.cli;

import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** {@link QueueCommandTest} with the spool in a real Cassandra node (bodies in files), a keyspace per test. */
class CassandraQueueCommandTest extends QueueCommandTest {

    private static final AtomicInteger KEYSPACES = new AtomicInteger();

    @TempDir
    static Path home;

    private static CassandraNode cassandra;

    @BeforeAll
    static void startCassandra() throws Exception {
        cassandra = CassandraNodes.start(home.resolve("cassandra"));
    }

    @AfterAll
    static void stopCassandra() throws Exception {
        if (cassandra != null) {
            cassandra.close();
        }
    }

    @Override
    protected Map<String, String> storageSettings() {
        return Map.of("YUBIN_STORAGE_BACKEND", "cassandra",
                "YUBIN_STORAGE_CASSANDRA_CONTACT_POINTS", cassandra.host() + ":" + cassandra.nativePort(),
                "YUBIN_STORAGE_CASSANDRA_LOCAL_DATACENTER", cassandra.localDatacenter(),
                "YUBIN_STORAGE_CASSANDRA_KEYSPACE", "queue_cli_" + KEYSPACES.incrementAndGet());
    }
}
