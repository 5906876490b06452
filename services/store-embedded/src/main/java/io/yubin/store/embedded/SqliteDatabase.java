package io.yubin.store.embedded;

import io.yubin.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The SQLite file behind the embedded backend (docs/architecture.md §2): one writer connection owned by
 * one writer thread that group-commits, and a small pool of read-only connections.
 *
 * <p>Group commit: the writer takes every queued write, runs them all in one transaction, commits
 * once (one fsync for the whole batch with {@code synchronous=FULL}) and only then completes the
 * futures. When a write fails, the whole transaction is rolled back and the batch is run again
 * without it, each write then inside its own SAVEPOINT. A savepoint per write in every batch cost
 * about as much as the writes themselves under SMTP load; failing writes are rare. So a write's
 * {@link SqlWork} may run twice and must keep no state outside the database between runs.
 */
final class SqliteDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteDatabase.class);
    private static final int MAX_BATCH = 512;

    private final BlockingQueue<WriteOp<?>> writes = new LinkedBlockingQueue<>();
    private final Connection writer;
    private final Thread writerThread;
    private final BlockingQueue<Connection> readConnections;
    private final ExecutorService readers;
    private final ExecutorService callbacks;
    private final List<Connection> allReaders = new ArrayList<>();
    private volatile boolean closed;

    private SqliteDatabase(Connection writer, List<Connection> readers, ExecutorService callbacks) {
        this.writer = writer;
        this.readConnections = new ArrayBlockingQueue<>(readers.size(), false, readers);
        this.allReaders.addAll(readers);
        this.readers = Executors.newFixedThreadPool(readers.size(), named("yubin-sqlite-reader", false));
        this.callbacks = callbacks;
        this.writerThread = named("yubin-sqlite-writer", false).newThread(this::writeLoop);
        this.writerThread.start();
    }

    /** Opens (creating when needed) the database file, migrates it and starts the writer thread. */
    static SqliteDatabase open(Path file, int readerCount, int busyTimeoutMillis) {
        List<Connection> opened = new ArrayList<>();
        try {
            Connection writer = connect(file, false, busyTimeoutMillis);
            opened.add(writer);
            try (Statement s = writer.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
            }
            Migrations.apply(writer);
            List<Connection> readers = new ArrayList<>();
            for (int i = 0; i < readerCount; i++) {
                Connection c = connect(file, true, busyTimeoutMillis);
                opened.add(c);
                readers.add(c);
            }
            ExecutorService callbacks = Executors.newCachedThreadPool(named("yubin-store-callback", true));
            return new SqliteDatabase(writer, readers, callbacks);
        } catch (SQLException e) {
            for (Connection c : opened) {
                closeQuietly(c);
            }
            throw StoreException.unavailable("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(Path file, boolean readOnly, int busyTimeoutMillis) throws SQLException {
        Properties p = new Properties();
        p.setProperty("foreign_keys", "true");
        p.setProperty("busy_timeout", String.valueOf(busyTimeoutMillis));
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), p);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA foreign_keys=ON");
            s.execute("PRAGMA busy_timeout=" + busyTimeoutMillis);
            if (readOnly) {
                s.execute("PRAGMA query_only=ON");
            }
        }
        return c;
    }

    /** Queues a write; it completes after the batch holding it has committed. */
    <T> CompletableFuture<T> write(SqlWork<T> work) {
        return write(work, null);
    }

    /**
     * Like {@link #write(SqlWork)}; {@code afterCommit} (when not null) gets the write's result on
     * the writer thread once its batch has committed, before the future completes, in the order
     * of the writes. It lets an in-memory view follow the database exactly; it must be quick and
     * must not block.
     */
    <T> CompletableFuture<T> write(SqlWork<T> work, Consumer<? super T> afterCommit) {
        WriteOp<T> op = new WriteOp<>(work, afterCommit, new CompletableFuture<>());
        if (closed) {
            op.future.completeExceptionally(StoreException.unavailable("store is closed", null));
            return op.future;
        }
        writes.add(op);
        return op.future;
    }

    /** Runs a read on a read-only connection inside one read transaction (one snapshot). */
    <T> CompletableFuture<T> read(SqlWork<T> work) {
        return read(work, true);
    }

    /**
     * Runs a read of exactly one statement. SQLite gives a lone statement a snapshot of its own,
     * so the BEGIN and COMMIT of {@link #read} are left out: for the one-row lookups on the
     * delivery path they were two of every three statements run.
     */
    <T> CompletableFuture<T> readStatement(SqlWork<T> work) {
        return read(work, false);
    }

    private <T> CompletableFuture<T> read(SqlWork<T> work, boolean transaction) {
        CompletableFuture<T> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(StoreException.unavailable("store is closed", null));
            return future;
        }
        try {
            readers.execute(() -> {
                Connection c = readConnections.poll();
                if (c == null) {
                    fail(future, StoreException.unavailable("no read connection", null));
                    return;
                }
                try {
                    if (transaction) {
                        exec(c, "BEGIN");
                        try {
                            succeed(future, work.run(c));
                        } finally {
                            exec(c, "COMMIT");
                        }
                    } else {
                        succeed(future, work.run(c));
                    }
                } catch (Exception e) {
                    fail(future, map(e));
                } finally {
                    readConnections.add(c);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            future.completeExceptionally(StoreException.unavailable("store is closed", e));
        }
        return future;
    }

    private void writeLoop() {
        List<WriteOp<?>> batch = new ArrayList<>();
        while (true) {
            try {
                WriteOp<?> first = writes.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed && writes.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                writes.drainTo(batch, MAX_BATCH - 1);
                runBatch(batch);
            } catch (RuntimeException e) {
                // Keep the writer alive: a dead writer would leave every later write hanging.
                LOG.error("writer failed on a batch of {}", batch.size(), e);
                rollbackQuietly();
                failAll(batch, StoreException.unavailable("write failed: " + e.getMessage(), e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failAll(batch, StoreException.unavailable("writer interrupted", e));
                return;
            } finally {
                batch.clear();
            }
        }
    }

    private void runBatch(List<WriteOp<?>> batch) {
        List<WriteOp<?>> pending = batch;
        boolean savepoints = false;
        while (true) {
            try {
                exec(writer, "BEGIN IMMEDIATE");
            } catch (SQLException e) {
                failAll(batch, failure("cannot begin a transaction: ", e));
                return;
            }
            try {
                WriteOp<?> failed = savepoints ? runEachInSavepoint(pending) : runAll(pending);
                if (failed != null) {
                    // Undo the whole batch and run it again without the failing write; that run has
                    // savepoints, so a second failure costs no third run. Quietly: some failures
                    // (a full disk) have already ended the transaction.
                    rollbackQuietly();
                    List<WriteOp<?>> rest = new ArrayList<>(pending.size() - 1);
                    for (WriteOp<?> op : pending) {
                        if (op != failed) {
                            rest.add(op);
                        }
                    }
                    pending = rest;
                    savepoints = true;
                    continue;
                }
                exec(writer, "COMMIT");
            } catch (SQLException e) {
                StoreException failure = failure("write failed: ", e);
                if (StoreException.isStorageFull(failure)) {
                    // Expected until an operator makes room; each refused write is answered as such.
                    LOG.warn("group commit of {} writes failed: {}", pending.size(), e.getMessage());
                } else {
                    LOG.error("group commit of {} writes failed", pending.size(), e);
                }
                rollbackQuietly();
                failAll(batch, failure);
                return;
            }
            break;
        }
        for (WriteOp<?> op : pending) {
            op.committed();
        }
        for (WriteOp<?> op : batch) {
            op.complete(this);
        }
    }

    /** Runs the writes in the open transaction; the first that fails, with its error set, or null. */
    private WriteOp<?> runAll(List<WriteOp<?>> ops) {
        for (WriteOp<?> op : ops) {
            try {
                op.run(writer);
            } catch (Exception e) {
                op.error = map(e);
                return op;
            }
        }
        return null;
    }

    /** Runs each write in its own savepoint; a failing one is undone alone. Never returns a write. */
    private WriteOp<?> runEachInSavepoint(List<WriteOp<?>> ops) throws SQLException {
        for (WriteOp<?> op : ops) {
            exec(writer, "SAVEPOINT op");
            try {
                op.run(writer);
                exec(writer, "RELEASE op");
            } catch (Exception e) {
                op.error = map(e);
                exec(writer, "ROLLBACK TO op");
                exec(writer, "RELEASE op");
            }
        }
        return null;
    }

    private void rollbackQuietly() {
        try {
            exec(writer, "ROLLBACK");
        } catch (SQLException e) {
            LOG.debug("rollback after a failed batch: {}", e.getMessage());
        }
    }

    private void failAll(List<WriteOp<?>> batch, StoreException error) {
        for (WriteOp<?> op : batch) {
            fail(op.future, error);
        }
    }

    <T> void succeed(CompletableFuture<T> future, T value) {
        // Callbacks run off the writer and reader threads so a slow caller cannot stall commits.
        try {
            callbacks.execute(() -> future.complete(value));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            future.complete(value);
        }
    }

    void fail(CompletableFuture<?> future, Throwable error) {
        try {
            callbacks.execute(() -> future.completeExceptionally(error));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            future.completeExceptionally(error);
        }
    }

    /** A batch's failure: storage full when SQLite says so (SQLITE_FULL), else UNAVAILABLE. */
    private static StoreException failure(String what, SQLException e) {
        return is(e, SQLiteErrorCode.SQLITE_FULL) ? StoreException.full(what + e.getMessage(), e)
                : StoreException.unavailable(what + e.getMessage(), e);
    }

    /** Whether {@code e} is SQLite's failure of this primary result code (extended codes included). */
    private static boolean is(Throwable e, SQLiteErrorCode code) {
        return e instanceof SQLiteException se && se.getResultCode().code % 256 == code.code;
    }

    /**
     * SQLite failures become StoreExceptions: constraint violations CONFLICT, a full database or
     * disk UNAVAILABLE as {@link StoreException#full}, the rest UNAVAILABLE.
     */
    static Throwable map(Throwable e) {
        if (e instanceof CompletionException && e.getCause() != null) {
            return map(e.getCause());
        }
        if (e instanceof StoreException) {
            return e;
        }
        if (is(e, SQLiteErrorCode.SQLITE_CONSTRAINT)) {
            return StoreException.conflict(null, e.getMessage());
        }
        if (is(e, SQLiteErrorCode.SQLITE_FULL)) {
            return StoreException.full(e.getMessage(), e);
        }
        if (e instanceof SQLException || e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
            return StoreException.unavailable(e.getMessage(), e);
        }
        return e;
    }

    static void exec(Connection c, String sql) throws SQLException {
        Sql.exec(c, sql);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writerThread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Writes queued in the instant between the closed check and the writer's exit.
        List<WriteOp<?>> late = new ArrayList<>();
        writes.drainTo(late);
        failAll(late, StoreException.unavailable("store is closed", null));
        readers.shutdown();
        try {
            if (!readers.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("readers still busy at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : allReaders) {
            closeQuietly(c);
        }
        closeQuietly(writer);
        callbacks.shutdown();
    }

    private static void closeQuietly(Connection c) {
        Sql.forget(c);
        try {
            c.close();
        } catch (SQLException e) {
            LOG.warn("closing a connection: {}", e.getMessage());
        }
    }

    static ThreadFactory named(String prefix, boolean daemon) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(daemon);
            return t;
        };
    }

    private static final class WriteOp<T> {
        final SqlWork<T> work;
        final Consumer<? super T> afterCommit;
        final CompletableFuture<T> future;
        T result;
        Throwable error;

        WriteOp(SqlWork<T> work, Consumer<? super T> afterCommit, CompletableFuture<T> future) {
            this.work = work;
            this.afterCommit = afterCommit;
            this.future = future;
        }

        void run(Connection c) throws SQLException {
            error = null;
            result = work.run(c);
        }

        void committed() {
            if (afterCommit == null || error != null) {
                return;
            }
            try {
                afterCommit.accept(result);
            } catch (RuntimeException e) {
                // The write is durable whatever the view does; a broken view must not fail it.
                LOG.error("after-commit step failed", e);
            }
        }

        void complete(SqliteDatabase db) {
            if (error != null) {
                db.fail(future, error);
            } else {
                db.succeed(future, result);
            }
        }
    }
}
