package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.yubin.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The one way this backend talks to Cassandra: statements prepared once and cached, executed with
 * the async API (no thread ever waits for a reply), every page of a large result read in turn, and
 * driver failures turned into {@link StoreException#unavailable} so callers answer with a temporary
 * failure (SMTP 451 4.3.0, IMAP NO [UNAVAILABLE]).
 */
final class Cql {

    private final CqlSession session;
    private final ConcurrentHashMap<String, CompletableFuture<PreparedStatement>> prepared = new ConcurrentHashMap<>();

    Cql(CqlSession session) {
        this.session = session;
    }

    CqlSession session() {
        return session;
    }

    /** The statement bound to {@code values}, prepared on first use. */
    CompletionStage<BoundStatement> bind(String cql, Object... values) {
        CompletableFuture<PreparedStatement> p = prepared.computeIfAbsent(cql,
                q -> session.prepareAsync(q).toCompletableFuture());
        return p.handle((ps, failure) -> {
            if (failure != null) {
                // A failed preparation (Cassandra was down) must not stay cached.
                prepared.remove(cql, p);
                throw unavailable(failure);
            }
            return ps.bind(values);
        });
    }

    CompletionStage<AsyncResultSet> execute(String cql, Object... values) {
        return bind(cql, values).thenCompose(this::execute);
    }

    CompletionStage<AsyncResultSet> execute(Statement<?> statement) {
        return mapFailure(session.executeAsync(statement));
    }

    /** Runs a statement and discards the result. */
    CompletionStage<Void> run(String cql, Object... values) {
        return execute(cql, values).thenApply(rs -> null);
    }

    /** A lightweight transaction: true when it was applied. */
    CompletionStage<Boolean> applied(String cql, Object... values) {
        return execute(cql, values).thenApply(AsyncResultSet::wasApplied);
    }

    /** A lightweight transaction: empty when applied, else the current row it was checked against. */
    CompletionStage<Optional<Row>> conditional(String cql, Object... values) {
        return execute(cql, values).thenApply(rs -> rs.wasApplied() ? Optional.empty()
                : Optional.ofNullable(rs.one()));
    }

    /** A read: the first row, if any. */
    CompletionStage<Optional<Row>> one(String cql, Object... values) {
        return read(cql, values).thenApply(rs -> Optional.ofNullable(rs.one()));
    }

    /** A read: every row of the result, all pages. */
    CompletionStage<List<Row>> all(String cql, Object... values) {
        return read(cql, values).thenCompose(rs -> collect(rs, new ArrayList<>(), row -> row));
    }

    <T> CompletionStage<List<T>> all(String cql, Function<Row, T> mapper, Object... values) {
        return read(cql, values).thenCompose(rs -> collect(rs, new ArrayList<>(), mapper));
    }

    /**
     * A read is idempotent: one that lost its connection, in its preparation or its execution, is
     * prepared and sent again ({@link LostConnection}).
     */
    private CompletionStage<AsyncResultSet> read(String cql, Object... values) {
        return LostConnection.retry(() -> execute(cql, values));
    }

    private <T> CompletionStage<List<T>> collect(AsyncResultSet rs, List<T> out, Function<Row, T> mapper) {
        for (Row row : rs.currentPage()) {
            out.add(mapper.apply(row));
        }
        if (!rs.hasMorePages()) {
            return CompletableFuture.completedFuture(out);
        }
        return mapFailure(rs.fetchNextPage()).thenCompose(next -> collect(next, out, mapper));
    }

    /** A batch of bound statements; logged batches are atomic (all or nothing, eventually). */
    CompletionStage<Void> batch(BatchType type, List<CompletionStage<BoundStatement>> statements) {
        if (statements.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return all(statements).thenCompose(bound -> {
            BatchStatementBuilder b = BatchStatement.builder(type);
            bound.forEach(b::addStatement);
            return execute(b.build());
        }).thenApply(rs -> null);
    }

    /** A conditional batch on one partition: true when applied. */
    CompletionStage<Boolean> conditionalBatch(List<CompletionStage<BoundStatement>> statements) {
        return all(statements).thenCompose(bound -> {
            BatchStatementBuilder b = BatchStatement.builder(BatchType.LOGGED);
            bound.forEach(b::addStatement);
            return execute(b.build());
        }).thenApply(AsyncResultSet::wasApplied);
    }

    /** Runs the statements concurrently; completes when all have. */
    CompletionStage<Void> parallel(List<? extends CompletionStage<?>> work) {
        return CompletableFuture.allOf(work.stream().map(CompletionStage::toCompletableFuture)
                .toArray(CompletableFuture[]::new));
    }

    /** Requests one call of {@link #bounded} keeps in flight at most. */
    static final int IN_FLIGHT = 32;

    /**
     * {@code work} for each of {@code items}, {@link #IN_FLIGHT} at a time, the results in the items'
     * order: a list of thousands (a large domain's users) never puts thousands of requests in flight.
     */
    static <T, R> CompletionStage<List<R>> bounded(List<T> items, Function<T, CompletionStage<R>> work) {
        List<R> out = new ArrayList<>(items.size());
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (int from = 0; from < items.size(); from += IN_FLIGHT) {
            List<T> group = items.subList(from, Math.min(items.size(), from + IN_FLIGHT));
            chain = chain.thenCompose(v -> all(group.stream().map(work).toList())).thenAccept(out::addAll);
        }
        return chain.thenApply(v -> out);
    }

    static <T> CompletionStage<List<T>> all(List<? extends CompletionStage<T>> stages) {
        List<CompletableFuture<T>> futures = stages.stream().map(CompletionStage::toCompletableFuture).toList();
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    private static <T> CompletionStage<T> mapFailure(CompletionStage<T> stage) {
        return stage.handle((value, failure) -> {
            if (failure != null) {
                throw unavailable(failure);
            }
            return value;
        });
    }

    /**
     * The driver's message, and the failure under it when there is one: "Unexpected error on channel"
     * alone does not tell an operator that the peer reset the connection.
     */
    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? failure.getMessage() : failure.getMessage() + " (" + root + ")";
    }

    /** A StoreException as it is; any driver failure as UNAVAILABLE. */
    static RuntimeException unavailable(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof StoreException e) {
            return e;
        }
        if (cause instanceof DriverException) {
            return StoreException.unavailable("Cassandra: " + describe(cause), cause);
        }
        return cause instanceof RuntimeException r ? r : new CompletionException(cause);
    }
}
