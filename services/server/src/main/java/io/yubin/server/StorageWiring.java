package io.yubin.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.yubin.server.config.ServerConfig;
import io.yubin.store.BlobStore;
import io.yubin.store.Storage;
import io.yubin.store.cassandra.CassandraOptions;
import io.yubin.store.cassandra.CassandraStorage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.store.embedded.FileBlobStore;
import io.yubin.store.s3.S3BlobStore;
import io.yubin.store.s3.S3Options;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** Opens the storage the configuration names: SQLite or Cassandra metadata, files or S3 bodies. */
public final class StorageWiring {

    private static final int DEFAULT_CQL_PORT = 9042;
    private static final int FILE_BLOB_THREADS = 4;

    /** The opened storage, and the S3 store when bodies are in S3 (for its orphan sweeper). */
    record Opened(Storage storage, S3BlobStore s3) {
    }

    private StorageWiring() {
    }

    /**
     * The configuration's storage for a management command (no metrics kept); the caller closes it. The
     * server may be running: SQLite takes a second process, Cassandra and S3 any number of clients.
     */
    public static Storage openForCommand(ServerConfig config) {
        return open(config.storage(), config.dataDir().toAbsolutePath().normalize(), new SimpleMeterRegistry()).storage();
    }

    static Opened open(ServerConfig.StorageConfig config, Path dataDir, MeterRegistry metrics) {
        S3BlobStore s3 = config.blobs() == ServerConfig.BlobBackend.S3 ? openS3(config.s3()) : null;
        if (config.backend() == ServerConfig.StorageBackend.CASSANDRA) {
            BlobStore blobs = s3 != null ? s3 : FileBlobStore.open(dataDir.resolve("blobs"), FILE_BLOB_THREADS);
            try {
                return new Opened(CassandraStorage.open(cassandraOptions(config.cassandra()), blobs, metrics), s3);
            } catch (RuntimeException e) {
                closeQuietly(blobs, e);
                throw e;
            }
        }
        return new Opened(s3 != null ? EmbeddedStorage.open(dataDir, s3) : EmbeddedStorage.open(dataDir), s3);
    }

    private static S3BlobStore openS3(ServerConfig.S3 c) {
        return S3BlobStore.open(new S3Options(c.endpoint(), c.region(), c.bucket(), c.accessKey(), c.secretKey(),
                c.pathStyle(), c.createBucket(), S3Options.DEFAULT_MULTIPART_THRESHOLD, S3Options.DEFAULT_MAX_RETRIES));
    }

    public static CassandraOptions cassandraOptions(ServerConfig.Cassandra c) {
        return new CassandraOptions(contactPoints(c.contactPoints()), c.localDatacenter(), c.keyspace(),
                c.consistency(), c.serialConsistency(), c.replication(), c.username().isEmpty() ? null : c.username(),
                c.username().isEmpty() ? null : c.password(), Duration.ofMillis(c.requestTimeoutMs()),
                c.migrateOnStart());
    }

    /** {@code host:port, host} (port 9042 when left out; IPv6 as {@code [addr]:port}). */
    static List<InetSocketAddress> contactPoints(String text) {
        return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).map(s -> {
            int colon = s.lastIndexOf(':');
            boolean hasPort = colon > 0 && s.indexOf(']') < colon && (s.startsWith("[") || s.indexOf(':') == colon);
            String host = hasPort ? s.substring(0, colon) : s;
            int port = hasPort ? Integer.parseInt(s.substring(colon + 1)) : DEFAULT_CQL_PORT;
            host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return InetSocketAddress.createUnresolved(host, port);
        }).toList();
    }

    private static void closeQuietly(BlobStore blobs, RuntimeException failure) {
        if (blobs instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }
}
