package io.yubin.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small bodies live in the database, larger ones in files; the limit is exact. */
class InlineBodiesTest {

    private static final int LIMIT = 1024;

    @TempDir
    Path dir;

    private Storage open() {
        return EmbeddedStorage.open(dir, new EmbeddedStorage.Options(2, 2, 10_000, LIMIT));
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static StoredBlob put(Storage storage, byte[] body) {
        return storage.blobs().put(new ByteArrayInputStream(body)).toCompletableFuture().join();
    }

    private static byte[] get(Storage storage, StoredBlob blob) throws Exception {
        try (InputStream in = storage.blobs().get(blob.id()).toCompletableFuture().join()) {
            return in.readAllBytes();
        }
    }

    private long files() throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve(EmbeddedStorage.BLOB_DIRECTORY))) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void aBodyAtTheLimitIsInlineAndOneOctetMoreIsAFileBothReadBackExactly() throws Exception {
        byte[] atLimit = bytes(LIMIT);
        byte[] above = bytes(LIMIT + 1);
        try (Storage storage = open()) {
            StoredBlob inline = put(storage, atLimit);
            assertThat(files()).isZero();
            StoredBlob file = put(storage, above);
            assertThat(files()).isEqualTo(1);

            assertThat(inline.id().value()).startsWith("i");
            assertThat(file.id().value()).doesNotStartWith("i");
            assertThat(get(storage, inline)).isEqualTo(atLimit);
            assertThat(get(storage, file)).isEqualTo(above);
            assertThat(inline.sha256()).isEqualTo(HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(atLimit)));
            assertThat(file.size()).isEqualTo(LIMIT + 1);
        }
    }

    @Test
    void inlineBodiesSurviveReopeningAndAreDeleted() throws Exception {
        byte[] body = bytes(100);
        StoredBlob blob;
        try (Storage storage = open()) {
            blob = put(storage, body);
        }
        try (Storage storage = open()) {
            assertThat(get(storage, blob)).isEqualTo(body);
            try (InputStream range = storage.blobs().get(blob.id(), 90, 50).toCompletableFuture().join()) {
                assertThat(range.readAllBytes()).containsExactly(java.util.Arrays.copyOfRange(body, 90, 100));
            }
            storage.blobs().delete(blob.id()).toCompletableFuture().join();
            assertThat(storage.blobs().exists(blob.id()).toCompletableFuture().join()).isFalse();
        }
    }
}
