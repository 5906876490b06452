package io.yubin.server.cli;

import io.yubin.server.SharedBackends;
import io.yubin.testing.cassandra.CassandraNode;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link QueueCommandTest} with the spool in a real Cassandra node (the server tests' shared one,
 * {@link SharedBackends}; bodies in files), a keyspace per test.
 */
@ExtendWith(SharedBackends.class)
class CassandraQueueCommandTest extends QueueCommandTest {

    private static final AtomicInteger KEYSPACES = new AtomicInteger();

    @Override
    protected Map<String, String> storageSettings() {
        CassandraNode cassandra = SharedBackends.cassandra();
        return Map.of("YUBIN_STORAGE_BACKEND", "cassandra",
                "YUBIN_STORAGE_CASSANDRA_CONTACT_POINTS", cassandra.host() + ":" + cassandra.nativePort(),
                "YUBIN_STORAGE_CASSANDRA_LOCAL_DATACENTER", cassandra.localDatacenter(),
                "YUBIN_STORAGE_CASSANDRA_KEYSPACE", "queue_cli_" + KEYSPACES.incrementAndGet());
    }
}
