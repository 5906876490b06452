package io.yubin.server;

import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.cassandra.CassandraNodes;
import io.yubin.testing.s3proxy.S3Endpoint;
import io.yubin.testing.s3proxy.S3Endpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One Cassandra node and one S3 endpoint ({@link CassandraNodes}, {@link S3Endpoints}: processes, or
 * containers where Docker is) for every server test class that only uses them, each class on its own
 * keyspace and bucket ({@link ClusterStorage}); started by the first class that asks and stopped when
 * JUnit closes its root store. A test that kills or stops a backend starts its own.
 */
public final class SharedBackends implements BeforeAllCallback {

    private static volatile Running running;

    @Override
    public void beforeAll(ExtensionContext context) {
        running = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("yubin-server-backends", k -> Running.start(), Running.class);
    }

    public static CassandraNode cassandra() {
        return require().cassandra();
    }

    public static S3Endpoint s3() {
        return require().s3();
    }

    private static Running require() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(SharedBackends.class)");
        }
        return r;
    }

    record Running(CassandraNode cassandra, S3Endpoint s3)
            implements ExtensionContext.Store.CloseableResource, AutoCloseable {

        static Running start() {
            try {
                Path home = Files.createTempDirectory(Files.createDirectories(Path.of("target", "shared-backends")), "run-");
                CassandraNode cassandra = CassandraNodes.start(home.resolve("cassandra"));
                try {
                    return new Running(cassandra, S3Endpoints.start(home.resolve("s3")));
                } catch (IOException | InterruptedException | RuntimeException | Error e) {
                    cassandra.close();
                    throw e;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws Exception {
            try {
                s3.close();
            } finally {
                cassandra.close();
            }
        }
    }
}
