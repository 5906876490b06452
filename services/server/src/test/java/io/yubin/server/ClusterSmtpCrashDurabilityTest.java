package io.yubin.server;

import io.yubin.store.BlobCollector;
import io.yubin.store.OrphanSweeper;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.cassandra.CassandraOptions;
import io.yubin.store.cassandra.CassandraStorage;
import io.yubin.store.s3.S3BlobStore;
import io.yubin.store.s3.S3OrphanSweeper;
import io.yubin.store.s3.S3Options;
import io.yubin.testing.cassandra.CassandraNode;
import io.yubin.testing.s3proxy.S3Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CrashHarness} on Cassandra + S3 (processes, or containers where Docker is): large bodies go
 * to S3, some above the multipart threshold. Each kill is followed by a look at the spool in
 * Cassandra from this JVM; at least one kill must have left entries undelivered, and those are
 * delivered exactly once after the restart (spool recovery after a crash, issue 15 §2).
 */
@ExtendWith(SharedBackends.class)
class ClusterSmtpCrashDurabilityTest {

    @TempDir
    Path home;

    private ServerProcess server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyAcknowledgedMessageIsDeliveredExactlyOnceAcrossKills() throws Exception {
        server = new ServerProcess(home.resolve("data"),
                Files.createDirectories(Path.of("target", "crash-harness", "cluster")));
        try (Cluster backend = Cluster.start(home)) {
            // Six kills (each moment twice): a restart of a cluster member costs 15 s or more, and the
            // embedded run (SmtpCrashDurabilityTest) has the ten.
            new CrashHarness(server, backend).run(true, 6);
        }
    }

    /** A Cassandra node and an S3 server, and this JVM's own view of both. */
    private static final class Cluster implements CrashHarness.Backend {

        private static final String KEYSPACE = "crash";
        private static final String BUCKET = "crash";

        private final CassandraNode cassandra;
        private final S3Endpoint s3;
        private Storage view;
        private S3BlobStore blobs;

        private Cluster(CassandraNode cassandra, S3Endpoint s3) {
            this.cassandra = cassandra;
            this.s3 = s3;
        }

        static Cluster start(Path home) {
            return new Cluster(SharedBackends.cassandra(), SharedBackends.s3());
        }

        @Override
        public void configure(ServerProcess server) {
            ClusterStorage.configure(server, cassandra, s3, KEYSPACE);
        }

        /** Mostly 80-400 KiB (one PUT); every sixteenth message, above the 8 MiB multipart threshold. */
        @Override
        public int largeBodySize(Random random, boolean first) {
            return first ? (int) S3Options.DEFAULT_MULTIPART_THRESHOLD + 1024 + random.nextInt(512 * 1024)
                    : 80 * 1024 + random.nextInt(320 * 1024);
        }

        /** Cassandra keeps running while the server is down: reading it changes nothing the server finds. */
        @Override
        public Set<String> unfinishedWhileDown() throws Exception {
            List<SpoolId> ids = view().spool().unfinished(null, 10_000).toCompletableFuture().get(30, TimeUnit.SECONDS);
            Set<String> out = new TreeSet<>();
            ids.forEach(id -> out.add(id.value()));
            return out;
        }

        @Override
        public long collectAndCountBodies() throws Exception {
            Storage storage = view();
            BlobCollector collector = new BlobCollector(storage.blobReferences(), storage.blobs());
            while (collector.collectOnce(1000).toCompletableFuture().get(60, TimeUnit.SECONDS) > 0) {
                // until nothing unreferenced is left
            }
            S3OrphanSweeper sweeper = new S3OrphanSweeper(blobs, storage.blobReferences(), Duration.ZERO,
                    Clock.systemUTC());
            sweeper.sweepOnce().toCompletableFuture().get(120, TimeUnit.SECONDS);
            OrphanSweeper.Sweep after = sweeper.sweepOnce().toCompletableFuture().get(120, TimeUnit.SECONDS);
            return after.examined();
        }

        private Storage view() {
            if (view == null) {
                blobs = S3BlobStore.open(new S3Options(s3.endpoint(), s3.region(), BUCKET, s3.accessKey(),
                        s3.secretKey(), true, false, S3Options.DEFAULT_MULTIPART_THRESHOLD, 1));
                view = CassandraStorage.open(CassandraOptions.of(cassandra.contactPoint(), cassandra.localDatacenter(),
                        KEYSPACE), blobs);
            }
            return view;
        }

        @Override
        public void close() throws Exception {
            // the backends are the run's (SharedBackends)
            if (view != null) {
                view.close();
            }
        }
    }
}
