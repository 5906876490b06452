package io.yubin.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.store.StoreException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's group commit: one transaction per batch, a failing write taken out and the rest re-run. */
class SqliteDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void aFailingWriteIsUndoneWholeAndTheRestOfItsBatchCommitsInOrder() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("t.db"), 1, 10_000)) {
            db.write(c -> Sql.update(c, "CREATE TABLE t(k TEXT PRIMARY KEY)")).get(10, TimeUnit.SECONDS);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch writerBusy = new CountDownLatch(1);
            // Holds the writer so the three writes below are queued together and form one batch.
            CompletableFuture<Integer> blocker = db.write(c -> {
                writerBusy.countDown();
                awaitQuietly(release);
                return Sql.update(c, "INSERT INTO t(k) VALUES ('z')");
            });
            assertThat(writerBusy.await(10, TimeUnit.SECONDS)).isTrue();
            List<String> committed = new CopyOnWriteArrayList<>();
            CompletableFuture<Integer> first = db.write(c -> Sql.update(c, "INSERT INTO t(k) VALUES ('a')"),
                    n -> committed.add("a"));
            CompletableFuture<Integer> failing = db.write(c -> {
                Sql.update(c, "INSERT INTO t(k) VALUES ('b')");
                return Sql.update(c, "INSERT INTO t(k) VALUES ('a')");
            }, n -> committed.add("b"));
            CompletableFuture<Integer> last = db.write(c -> Sql.update(c, "INSERT INTO t(k) VALUES ('c')"),
                    n -> committed.add("c"));
            release.countDown();

            assertThat(blocker.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(last.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CONFLICT));
            assertThat(committed).containsExactly("a", "c");
            assertThat(db.read(c -> Sql.list(c, "SELECT k FROM t ORDER BY k", rs -> rs.getString(1)))
                    .get(10, TimeUnit.SECONDS)).containsExactly("a", "c", "z");
        }
    }

    @Test
    void aCommitThatFailsLeavesTheWriterReadyForTheNextWrite() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("t.db"), 1, 10_000)) {
            db.write(c -> {
                Sql.update(c, "CREATE TABLE parent(k TEXT PRIMARY KEY)");
                return Sql.update(c, "CREATE TABLE child(k TEXT REFERENCES parent(k) DEFERRABLE INITIALLY DEFERRED)");
            }).get(10, TimeUnit.SECONDS);
            // A deferred foreign key is checked at COMMIT: the batch's COMMIT itself fails, as it does
            // when the disk is full (SQLITE_FULL) while the WAL is written.
            CompletableFuture<Integer> orphan = db.write(c -> Sql.update(c, "INSERT INTO child(k) VALUES ('x')"));
            assertThatThrownBy(() -> orphan.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(StoreException.class);
            for (String k : List.of("a", "b", "c")) {
                assertThat(db.write(c -> Sql.update(c, "INSERT INTO parent(k) VALUES (?)", k))
                        .get(10, TimeUnit.SECONDS)).isEqualTo(1);
            }
            assertThat(db.read(c -> Sql.list(c, "SELECT k FROM parent ORDER BY k", rs -> rs.getString(1)))
                    .get(10, TimeUnit.SECONDS)).containsExactly("a", "b", "c");
            assertThat(db.read(c -> Sql.longValue(c, "SELECT count(*) FROM child")).get(10, TimeUnit.SECONDS))
                    .isZero();
        }
    }

    @Test
    void aFullDatabaseRefusesWritesAndTakesThemAgainOnceThereIsRoom() throws Exception {
        try (SqliteDatabase db = SqliteDatabase.open(dir.resolve("t.db"), 1, 10_000)) {
            db.write(c -> Sql.update(c, "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)")).get(10, TimeUnit.SECONDS);
            long pages = db.write(c -> Sql.longValue(c, "PRAGMA page_count")).get(10, TimeUnit.SECONDS);
            db.write(c -> Sql.longValue(c, "PRAGMA max_page_count=" + (pages + 20))).get(10, TimeUnit.SECONDS);
            int stored = 0;
            Throwable full = null;
            for (int i = 0; i < 200 && full == null; i++) {
                int k = i;
                try {
                    db.write(c -> Sql.update(c, "INSERT INTO t(k, v) VALUES (?, zeroblob(8192))", k))
                            .get(10, TimeUnit.SECONDS);
                    stored++;
                } catch (ExecutionException e) {
                    full = e.getCause();
                }
            }
            assertThat(full).isInstanceOfSatisfying(StoreException.class,
                    e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
            assertThat(StoreException.isStorageFull(full)).as("SQLITE_FULL says so").isTrue();
            // The writer is not stuck inside a transaction: more refusals, each one clean.
            for (int i = 0; i < 3; i++) {
                int k = 500 + i;
                assertThatThrownBy(() -> db.write(c -> Sql.update(c, "INSERT INTO t(k, v) VALUES (?, zeroblob(8192))", k))
                        .get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().matches(StoreException::isStorageFull, "storage full");
            }
            db.write(c -> Sql.longValue(c, "PRAGMA max_page_count=1000000")).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                int k = 1000 + i;
                assertThat(db.write(c -> Sql.update(c, "INSERT INTO t(k, v) VALUES (?, zeroblob(8192))", k))
                        .get(10, TimeUnit.SECONDS)).isEqualTo(1);
            }
            assertThat(db.read(c -> Sql.longValue(c, "SELECT count(*) FROM t")).get(10, TimeUnit.SECONDS))
                    .isEqualTo(stored + 3L);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
