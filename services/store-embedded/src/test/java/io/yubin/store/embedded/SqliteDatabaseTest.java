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

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
