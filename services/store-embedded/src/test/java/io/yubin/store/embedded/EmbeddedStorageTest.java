package io.yubin.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Domain;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the embedded backend promises beyond the SPI contract: schema, pragmas, group commit, cleanup. */
class EmbeddedStorageTest {

    @TempDir
    Path dir;

    @Test
    void reopeningAppliesEachMigrationOnceAndKeepsWalMode() throws Exception {
        EmbeddedStorage.open(dir).close();
        try (Storage storage = EmbeddedStorage.open(dir)) {
            storage.directory().addDomain(Domain.parse("example.test")).toCompletableFuture().join();
        }

        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve(EmbeddedStorage.DATABASE_FILE), 1, 1000)) {
            assertThat(db.read(c -> Sql.longValue(c, "SELECT count(*) FROM schema_version")).join())
                    .isEqualTo(Migrations.FILES.size());
            assertThat(db.read(c -> Sql.one(c, "PRAGMA journal_mode", rs -> rs.getString(1))).join()).contains("wal");
            assertThat(db.read(c -> Sql.longValue(c, "PRAGMA foreign_keys")).join()).isEqualTo(1);
            assertThat(db.read(c -> Sql.longValue(c, "SELECT count(*) FROM domains")).join()).isEqualTo(1);
        }
    }

    @Test
    void theWriterConnectionSyncsFully() {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve(EmbeddedStorage.DATABASE_FILE), 1, 1000)) {
            // PRAGMA synchronous: 2 is FULL.
            assertThat(db.write(c -> Sql.longValue(c, "PRAGMA synchronous")).join()).isEqualTo(2);
        }
    }

    @Test
    void aFailingWriteIsRolledBackAloneAndTheRestOfItsBatchCommits() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve(EmbeddedStorage.DATABASE_FILE), 1, 1000)) {
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> blocker = db.write(c -> {
                awaitQuietly(release);
                return null;
            });
            // Queued while the writer is busy, so they form the next batch together.
            CompletableFuture<Integer> first = db.write(c -> Sql.update(c, "INSERT INTO domains(name) VALUES ('a.test')"));
            CompletableFuture<Integer> failing = db.write(c -> {
                Sql.update(c, "INSERT INTO domains(name) VALUES ('b.test')");
                return Sql.update(c, "INSERT INTO domains(name) VALUES ('a.test')");
            });
            CompletableFuture<Integer> last = db.write(c -> Sql.update(c, "INSERT INTO domains(name) VALUES ('c.test')"));
            release.countDown();

            blocker.join();
            assertThat(first.join()).isEqualTo(1);
            assertThat(last.join()).isEqualTo(1);
            assertThatThrownBy(failing::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT));
            assertThat(db.read(c -> Sql.list(c, "SELECT name FROM domains ORDER BY name", rs -> rs.getString(1))).join())
                    .containsExactly("a.test", "c.test");
        }
    }

    @Test
    void writesAfterCloseFailAsUnavailable() {
        SqliteDatabase db = SqliteDatabase.open(dir.resolve(EmbeddedStorage.DATABASE_FILE), 1, 1000);
        db.close();

        assertThatThrownBy(() -> db.write(c -> 1).join()).cause().isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
        assertThatThrownBy(() -> db.read(c -> 1).join()).cause().isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
    }

    @Test
    void leftoverTempBlobFilesAreRemovedOnOpen() throws Exception {
        Path tmp = dir.resolve(EmbeddedStorage.BLOB_DIRECTORY).resolve("tmp");
        Files.createDirectories(tmp);
        Path leftover = Files.writeString(tmp.resolve("01ABC.tmp"), "half a message");

        EmbeddedStorage.open(dir).close();

        assertThat(leftover).doesNotExist();
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void blobFilesAreShardedUnderTheBlobDirectory() throws Exception {
        try (Storage storage = EmbeddedStorage.open(dir, new EmbeddedStorage.Options(4, 4, 10_000, 0))) {
            var blob = storage.blobs().put(new java.io.ByteArrayInputStream(new byte[] {1, 2, 3}))
                    .toCompletableFuture().join();
            String id = blob.id().value();
            assertThat(dir.resolve("blobs").resolve(id.substring(24, 26)).resolve(id.substring(22, 24)).resolve(id))
                    .hasBinaryContent(new byte[] {1, 2, 3});
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
