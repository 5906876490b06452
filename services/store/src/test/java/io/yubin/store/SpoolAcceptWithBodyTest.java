package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link Spool#acceptWithBody} deletes the body only when the spool refused the entry. When the
 * outcome is unknown (a timeout: Cassandra may have applied the batch after all) the entry may be
 * durable and refer to the body, so the body stays for the orphan sweep. Deleting it there made
 * spooled mail lose its body when Cassandra was killed in the middle of an acceptance.
 */
class SpoolAcceptWithBodyTest {

    private final MemoryBlobs blobs = new MemoryBlobs();

    @Test
    void aRefusedEntryLeavesNoBody() {
        StoredBlob stored = acceptFailingWith(StoreException.conflict("id", "spool entry exists"));
        assertThat(blobs.contents).doesNotContainKey(stored.id());
    }

    @Test
    void anEntryOfUnknownOutcomeKeepsItsBody() {
        StoredBlob stored = acceptFailingWith(StoreException.unavailable("Cassandra: timeout",
                new RuntimeException("write timeout")));
        assertThat(blobs.contents).containsKey(stored.id());
    }

    @Test
    void anyOtherErrorIsAnUnknownOutcomeToo() {
        StoredBlob stored = acceptFailingWith(new UncheckedIOException(new IOException("connection reset")));
        assertThat(blobs.contents).containsKey(stored.id());
    }

    @Test
    void anEntryThatCouldNotBeBuiltLeavesNoBody() {
        StoredBlob[] offered = new StoredBlob[1];
        CompletionStage<SpoolEntry> stage = spoolFailingWith(null).acceptWithBody(blobs,
                new ByteArrayInputStream(new byte[] {'x'}), blob -> {
                    offered[0] = blob;
                    throw new IllegalArgumentException("no recipients");
                });
        assertThatThrownBy(() -> stage.toCompletableFuture().get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThat(blobs.contents).doesNotContainKey(offered[0].id());
    }

    @Test
    void isRefusalLooksThroughCompletionWrappers() {
        StoreException conflict = StoreException.conflict(null, "x");
        assertThat(StoreException.isRefusal(new java.util.concurrent.CompletionException(conflict))).isTrue();
        assertThat(StoreException.isRefusal(StoreException.notFound(null, "x"))).isTrue();
        assertThat(StoreException.isRefusal(StoreException.invalid(null, "x"))).isTrue();
        assertThat(StoreException.isRefusal(StoreException.unavailable("x", null))).isFalse();
        assertThat(StoreException.isRefusal(new IllegalStateException())).isFalse();
    }

    private StoredBlob acceptFailingWith(RuntimeException failure) {
        StoredBlob[] offered = new StoredBlob[1];
        CompletionStage<SpoolEntry> stage = spoolFailingWith(failure).acceptWithBody(blobs,
                new ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n".getBytes()), blob -> {
                    offered[0] = blob;
                    return SpoolEntry.queued(SpoolId.next(),
                            Envelope.of(MailAddress.parse("bob@remote.test"), List.of(MailAddress.parse("alice@example.test"))),
                            blob, Instant.parse("2026-12-05T00:00:00Z"), new SpoolEntry.ClientInfo("h", "192.0.2.1", null));
                });
        assertThatThrownBy(() -> stage.toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCause(failure);
        return offered[0];
    }

    private static Spool spoolFailingWith(RuntimeException failure) {
        return new Spool() {
            @Override
            public CompletionStage<Void> accept(SpoolEntry entry) {
                return CompletableFuture.failedFuture(failure);
            }

            @Override
            public CompletionStage<Optional<SpoolEntry>> find(SpoolId id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Void> update(SpoolId id, MailAddress recipient, RecipientState state) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<List<SpoolId>> unfinished(SpoolId after, int limit) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Void> remove(SpoolId id) {
                throw new UnsupportedOperationException();
            }
        };
    }

    /** Bodies in a map. */
    private static final class MemoryBlobs implements BlobStore {
        final Map<BlobId, byte[]> contents = new ConcurrentHashMap<>();
        private int next;

        @Override
        public synchronized CompletionStage<StoredBlob> put(InputStream content) {
            try (content) {
                byte[] bytes = content.readAllBytes();
                BlobId id = new BlobId("B" + next++);
                contents.put(id, bytes);
                return CompletableFuture.completedFuture(new StoredBlob(id, bytes.length, "0"));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletionStage<InputStream> get(BlobId id) {
            return CompletableFuture.completedFuture(new ByteArrayInputStream(contents.get(id)));
        }

        @Override
        public CompletionStage<InputStream> get(BlobId id, long offset, long length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<Boolean> exists(BlobId id) {
            return CompletableFuture.completedFuture(contents.containsKey(id));
        }

        @Override
        public CompletionStage<Void> delete(BlobId id) {
            contents.remove(id);
            return CompletableFuture.completedFuture(null);
        }
    }
}
