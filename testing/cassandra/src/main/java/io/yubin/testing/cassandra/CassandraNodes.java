package io.yubin.testing.cassandra;

import io.yubin.testing.backends.TestBackends;
import java.io.IOException;
import java.nio.file.Path;

/** Starts the Cassandra node of the backend kind {@link TestBackends#selected()} chose for this test run. */
public final class CassandraNodes {

    private CassandraNodes() {
    }

    /**
     * A fresh node with its files under {@code home}: a {@link CassandraProcess}'s data, configuration
     * and log, or a {@link CassandraContainerNode}'s log once it is closed (its data stays in the container).
     */
    public static CassandraNode start(Path home) throws IOException, InterruptedException {
        return switch (TestBackends.selected()) {
            case PROCESS -> CassandraProcess.start(home);
            case CONTAINER -> CassandraContainerNode.start(home);
        };
    }
}
