package io.yubin.server;

import io.yubin.store.BlobCollector;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.store.embedded.FileBlobStore;
import io.yubin.store.embedded.FileOrphanSweeper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CrashHarness} on the embedded default: SQLite metadata, small bodies inline in SQLite and
 * large ones as files under {@code data-dir/blobs}.
 */
class SmtpCrashDurabilityTest {

    @TempDir
    Path dataDir;

    private ServerProcess server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyAcknowledgedMessageIsDeliveredExactlyOnceAcrossKills() throws Exception {
        // The server's logs stay in target/ for a failure's post-mortem.
        server = new ServerProcess(dataDir, Files.createDirectories(Path.of("target", "crash-harness", "embedded")));
        try (Embedded backend = new Embedded(dataDir)) {
            new CrashHarness(server, backend).run(false);
        }
    }

    /** The embedded backend under {@code dataDir}. */
    private record Embedded(Path dataDir) implements CrashHarness.Backend {

        @Override
        public void configure(ServerProcess server) {
            // the defaults: SQLite and files under YUBIN_DATA_DIR
        }

        @Override
        public int largeBodySize(Random random, boolean first) {
            return 80 * 1024 + random.nextInt(320 * 1024);
        }

        /** Opening the database would recover it before the server does: not looked at. */
        @Override
        public Set<String> unfinishedWhileDown() {
            return null;
        }

        @Override
        public long collectAndCountBodies() throws Exception {
            try (Storage storage = EmbeddedStorage.open(dataDir)) {
                BlobCollector collector = new BlobCollector(storage.blobReferences(), storage.blobs());
                while (collector.collectOnce(1000).toCompletableFuture().get(60, TimeUnit.SECONDS) > 0) {
                    // until nothing unreferenced is left
                }
                new FileOrphanSweeper((FileBlobStore) storage.blobs(), storage.blobReferences(), Duration.ZERO,
                        Clock.systemUTC()).sweepOnce().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            Path blobs = dataDir.resolve("blobs");
            long files = CrashHarness.countFiles(blobs, blobs.resolve("tmp"));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("yubin.db"));
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM inline_blobs")) {
                rs.next();
                return files + rs.getLong(1);
            }
        }

        @Override
        public void close() {
        }
    }
}
