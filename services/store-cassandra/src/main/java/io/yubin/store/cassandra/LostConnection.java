package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.NodeUnavailableException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.connection.HeartbeatException;
import io.yubin.store.StoreException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A request that lost its connection to Cassandra: the channel closed or was reset under it (the node
 * restarted, a load balancer or the kernel dropped the socket), or no connection was up to send it
 * on. An idempotent request (a read, a schema statement written {@code IF NOT EXISTS}) is sent
 * again once the driver has had time to reconnect: the driver itself only moves such a request on
 * to another node, and a one-node cluster has none. Anything that is not idempotent (a write, a
 * lightweight transaction) is never sent twice: its caller gets UNAVAILABLE and decides.
 */
final class LostConnection {

    /**
     * The waits before the second and the third try: the driver's first reconnection comes after
     * 200 ms. A node that is really gone costs a read 1.25 s more before UNAVAILABLE.
     */
    static final List<Duration> WAITS = List.of(Duration.ofMillis(250), Duration.ofSeconds(1));

    private LostConnection() {
    }

    /** True when {@code failure} (however wrapped) is a lost or missing connection and nothing else. */
    static boolean test(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof StoreException) && t.getCause() != null) {
            t = t.getCause();
        }
        // An I/O error is the write of the request failing on a channel reset or closed before the
        // driver saw it (the request never left); an unavailable node had no connection up to send on.
        if (t instanceof ClosedConnectionException || t instanceof HeartbeatException
                || t instanceof IOException || t instanceof NodeUnavailableException) {
            return true;
        }
        // Every node tried lost its connection, or none could be tried (NoNodeAvailableException, no
        // error in its map): the driver holds a node down from a reset until it has reconnected.
        return t instanceof AllNodesFailedException all
                && all.getAllErrors().values().stream().flatMap(List::stream).allMatch(LostConnection::test);
    }

    /** {@code request}, started again after each wait in {@link #WAITS} while it fails as {@link #test}. */
    static <T> CompletionStage<T> retry(Supplier<CompletionStage<T>> request) {
        return retry(request, 0);
    }

    private static <T> CompletionStage<T> retry(Supplier<CompletionStage<T>> request, int tries) {
        CompletionStage<T> attempt = request.get();
        if (tries == WAITS.size()) {
            return attempt;
        }
        return attempt.exceptionallyCompose(failure -> {
            if (!test(failure)) {
                return CompletableFuture.failedStage(failure);
            }
            long wait = WAITS.get(tries).toMillis();
            return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS))
                    .thenCompose(v -> retry(request, tries + 1));
        });
    }

    /** The blocking form of {@link #retry(Supplier)}, for schema statements run before serving. */
    static <T> T retryBlocking(Supplier<T> request) {
        for (int tries = 0; ; tries++) {
            try {
                return request.get();
            } catch (RuntimeException e) {
                if (tries == WAITS.size() || !test(e)) {
                    throw e;
                }
                try {
                    Thread.sleep(WAITS.get(tries).toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
