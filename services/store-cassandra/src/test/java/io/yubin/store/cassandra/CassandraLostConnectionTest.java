package io.yubin.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Domain;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.embedded.FileBlobStore;
import io.yubin.testing.cassandra.CassandraNode;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection to Cassandra reset under an open Storage ({@link ConnectionCutter} between them): a
 * read is sent again once the driver has reconnected, whether no connection was up or the reset came
 * while it was in flight; a write in flight is never sent twice and fails as UNAVAILABLE, saying why.
 */
@ExtendWith(CassandraTestNode.class)
class CassandraLostConnectionTest {

    @TempDir
    Path dir;

    private Storage open(ConnectionCutter cutter) throws Exception {
        CassandraNode node = CassandraTestNode.node();
        return CassandraStorage.open(CassandraOptions.of(cutter.address(), node.localDatacenter(),
                CassandraTestNode.KEYSPACE), FileBlobStore.open(dir.resolve("blobs"), 1));
    }

    private static ConnectionCutter cutter() throws Exception {
        CassandraNode node = CassandraTestNode.node();
        return new ConnectionCutter(new InetSocketAddress(node.host(), node.nativePort()));
    }

    @Test
    void aReadIsSentAgainAfterItsConnectionWasReset() throws Exception {
        try (ConnectionCutter cutter = cutter(); Storage storage = open(cutter)) {
            await(storage.directory().listDomains());

            cutter.cutAll();
            assertThat(await(storage.directory().listDomains())).as("read with no connection up").isNotNull();

            cutter.cutOnNextRequest();
            assertThat(await(storage.directory().listDomains())).as("read reset in flight").isNotNull();
            assertThat(cutter.requestsCut()).isEqualTo(1);
        }
    }

    @Test
    void aWriteResetInFlightFailsAsUnavailableNamingTheResetAndIsNotSentTwice() throws Exception {
        try (ConnectionCutter cutter = cutter(); Storage storage = open(cutter)) {
            Domain first = Domain.parse("first.lost-connection.test");
            Domain second = Domain.parse("second.lost-connection.test");
            await(storage.directory().addDomain(first)); // prepares the statement

            cutter.cutOnNextRequest();
            assertThatThrownBy(() -> await(storage.directory().addDomain(second)))
                    .isInstanceOfSatisfying(StoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE);
                        assertThat(e.getMessage()).startsWith("Cassandra: ").contains("Connection reset");
                    });
            assertThat(cutter.requestsCut()).isEqualTo(1);

            // The Storage serves again by itself, and the dropped write left nothing.
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsMatching(e -> e instanceof StoreException se
                            && se.kind() == StoreException.Kind.UNAVAILABLE)
                    .until(() -> await(storage.directory().listDomains()) != null);
            assertThat(await(storage.directory().listDomains())).contains(first).doesNotContain(second);
            await(storage.directory().removeDomain(first));
        }
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StoreException se ? se : e;
        }
    }
}
