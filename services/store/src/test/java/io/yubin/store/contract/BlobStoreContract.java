package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.BlobId;
import io.yubin.store.BlobStore;
import io.yubin.store.StoreException.Kind;
import io.yubin.store.StoredBlob;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The {@link BlobStore} contract (docs/architecture.md §4.4: bodies are immutable). */
public abstract class BlobStoreContract extends StorageContractSupport {

    private static final String BODY = "From: a@example.test\r\nSubject: hello\r\n\r\nHello, world.\r\n";

    private BlobStore blobs() {
        return storage.blobs();
    }

    @Test
    void storesABodyWithItsSizeAndSha256() throws Exception {
        StoredBlob blob = putBlob(BODY);

        byte[] bytes = BODY.getBytes(StandardCharsets.UTF_8);
        assertThat(blob.size()).isEqualTo(bytes.length);
        assertThat(blob.sha256()).isEqualTo(sha256(bytes));
        assertThat(text(await(blobs().get(blob.id())))).isEqualTo(BODY);
        assertThat(await(blobs().exists(blob.id()))).isTrue();
    }

    @Test
    void storesAnEmptyBody() throws Exception {
        StoredBlob blob = putBlob(new byte[0]);

        assertThat(blob.size()).isZero();
        assertThat(blob.sha256()).isEqualTo(sha256(new byte[0]));
        assertThat(readAll(await(blobs().get(blob.id())))).isEmpty();
    }

    @Test
    void everyPutGetsANewId() {
        assertThat(putBlob(BODY).id()).isNotEqualTo(putBlob(BODY).id());
    }

    @Test
    void readsARange() {
        StoredBlob blob = putBlob("0123456789");

        assertThat(text(await(blobs().get(blob.id(), 2, 3)))).isEqualTo("234");
        assertThat(text(await(blobs().get(blob.id(), 0, 10)))).isEqualTo("0123456789");
        assertThat(text(await(blobs().get(blob.id(), 7, 100)))).isEqualTo("789");
        assertThat(text(await(blobs().get(blob.id(), 4, 0)))).isEmpty();
    }

    @Test
    void aRangePastTheEndIsEmpty() {
        StoredBlob blob = putBlob("0123456789");

        assertThat(text(await(blobs().get(blob.id(), 10, 5)))).isEmpty();
        assertThat(text(await(blobs().get(blob.id(), 1_000, 5)))).isEmpty();
    }

    @Test
    void readingAMissingBodyIsNotFound() {
        BlobId missing = new BlobId("NOSUCHBLOB0000000000000000");

        assertFails(blobs().get(missing), Kind.NOT_FOUND);
        assertFails(blobs().get(missing, 0, 10), Kind.NOT_FOUND);
        assertThat(await(blobs().exists(missing))).isFalse();
    }

    @Test
    void deletesABodyAndDeletingAMissingOneSucceeds() {
        StoredBlob blob = putBlob(BODY);

        await(blobs().delete(blob.id()));

        assertThat(await(blobs().exists(blob.id()))).isFalse();
        assertFails(blobs().get(blob.id()), Kind.NOT_FOUND);
        await(blobs().delete(blob.id()));
    }

    @Test
    void streamsALargeBodyWithoutHoldingIt() throws Exception {
        long size = 20L * 1024 * 1024;
        GeneratedStream source = new GeneratedStream(size, 42);

        StoredBlob blob = await(blobs().put(source));

        assertThat(source.closed).isTrue();
        assertThat(blob.size()).isEqualTo(size);
        assertThat(blob.sha256()).isEqualTo(HexFormat.of().formatHex(source.digest.digest()));
        MessageDigest read = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = await(blobs().get(blob.id()))) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                read.update(buffer, 0, n);
                total += n;
            }
        }
        assertThat(total).isEqualTo(size);
        assertThat(HexFormat.of().formatHex(read.digest())).isEqualTo(blob.sha256());
        byte[] tail = readAll(await(blobs().get(blob.id(), size - 10, 100)));
        assertThat(tail).hasSize(10);
    }

    @Test
    void concurrentPutsAllSucceedWithDistinctIds() throws Exception {
        List<CompletableFuture<StoredBlob>> puts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            puts.add(blobs().put(new GeneratedStream(10_000 + i, i)).toCompletableFuture());
        }

        List<StoredBlob> stored = puts.stream().map(StorageContractSupport::await).toList();

        assertThat(stored).extracting(StoredBlob::id).doesNotHaveDuplicates();
        for (int i = 0; i < stored.size(); i++) {
            GeneratedStream expected = new GeneratedStream(10_000 + i, i);
            byte[] bytes = readAll(expected);
            assertThat(readAll(await(blobs().get(stored.get(i).id())))).isEqualTo(bytes);
            assertThat(stored.get(i).sha256()).isEqualTo(sha256(bytes));
        }
    }

    @Test
    void bodiesSurviveReopening() throws Exception {
        StoredBlob blob = putBlob(BODY);

        reopen();

        assertThat(text(await(blobs().get(blob.id())))).isEqualTo(BODY);
    }

    protected static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Pseudo-random bytes generated on the fly, hashed as they are read. */
    static final class GeneratedStream extends InputStream {
        private final SplittableRandom random;
        private long remaining;
        final MessageDigest digest;
        boolean closed;

        GeneratedStream(long size, long seed) {
            this.remaining = size;
            this.random = new SplittableRandom(seed);
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) random.nextInt(256);
            }
            digest.update(b, off, n);
            remaining -= n;
            return n;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
