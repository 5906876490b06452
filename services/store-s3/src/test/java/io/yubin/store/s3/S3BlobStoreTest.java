package io.yubin.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.messages.Item;
import io.yubin.store.BlobId;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.testing.s3proxy.S3Endpoint;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the contract cannot see: the object layout, integrity checks, multipart boundaries. */
@ExtendWith(S3ServerExtension.class)
class S3BlobStoreTest {

    private static final String BUCKET = "store-test";

    private S3BlobStore store;
    private MinioClient raw;

    @BeforeEach
    void open() {
        store = S3BlobStore.open(S3Servers.options(S3ServerExtension.s3(), BUCKET, 2));
        raw = S3Servers.rawClient(S3ServerExtension.s3());
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        raw.close();
    }

    @Test
    void storesABodyUnderBlobsWithItsSha256InUserMetadata() throws Exception {
        StoredBlob blob = put("Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));

        StatObjectResponse stat = raw.statObject(StatObjectArgs.builder().bucket(BUCKET).object("blobs/" + blob.id()).build());

        assertThat(stat.size()).isEqualTo(blob.size());
        assertThat(stat.userMetadata()).containsEntry(S3BlobStore.SHA256_METADATA, blob.sha256());
    }

    @Test
    void aMultipartBodyIsAssembledWithItsHashAndLeavesNothingInIncoming() throws Exception {
        byte[] body = random(2 * (int) S3Servers.TEST_THRESHOLD + 12_345, 7);

        StoredBlob blob = put(body);

        assertThat(blob.size()).isEqualTo(body.length);
        assertThat(readAll(await(store.get(blob.id())))).isEqualTo(body);
        StatObjectResponse stat = raw.statObject(StatObjectArgs.builder().bucket(BUCKET).object("blobs/" + blob.id()).build());
        assertThat(stat.userMetadata()).containsEntry(S3BlobStore.SHA256_METADATA, blob.sha256());
        assertThat(keys("incoming/")).isEmpty();
    }

    @Test
    void aBodyOfExactlyTheThresholdIsOnePut() throws Exception {
        byte[] body = random((int) S3Servers.TEST_THRESHOLD, 3);

        StoredBlob blob = put(body);

        assertThat(readAll(await(store.get(blob.id())))).isEqualTo(body);
        assertThat(blob.size()).isEqualTo(body.length);
    }

    @Test
    void rangedReadsCrossPartBoundaries() {
        int part = (int) S3Servers.TEST_THRESHOLD;
        byte[] body = random(2 * part + 100, 11);
        StoredBlob blob = put(body);

        assertThat(readAll(await(store.get(blob.id(), part - 10, 20))))
                .isEqualTo(Arrays.copyOfRange(body, part - 10, part + 10));
        assertThat(readAll(await(store.get(blob.id(), 2L * part, 1_000))))
                .isEqualTo(Arrays.copyOfRange(body, 2 * part, body.length));
        assertThat(readAll(await(store.get(blob.id(), 0, 1)))).containsExactly(body[0]);
    }

    @Test
    void aTamperedBodyFailsAtTheEndOfTheStream() throws Exception {
        byte[] body = "original content".getBytes(StandardCharsets.US_ASCII);
        StoredBlob blob = put(body);
        byte[] forged = "forged   content".getBytes(StandardCharsets.US_ASCII);
        raw.putObject(PutObjectArgs.builder().bucket(BUCKET).object("blobs/" + blob.id())
                .stream(new ByteArrayInputStream(forged), forged.length, -1)
                .userMetadata(Map.of(S3BlobStore.SHA256_METADATA, blob.sha256())).build());

        InputStream in = await(store.get(blob.id()));

        assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        // a range cannot be verified and is served as stored
        assertThat(readAll(await(store.get(blob.id(), 0, 6)))).isEqualTo("forged".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aBodyWithoutAStoredHashIsRefused() throws Exception {
        StoredBlob blob = put("content".getBytes(StandardCharsets.US_ASCII));
        byte[] same = "content".getBytes(StandardCharsets.US_ASCII);
        raw.putObject(PutObjectArgs.builder().bucket(BUCKET).object("blobs/" + blob.id())
                .stream(new ByteArrayInputStream(same), same.length, -1).build());

        InputStream in = await(store.get(blob.id()));

        assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("no stored SHA-256");
    }

    @Test
    void aFailingSourceStreamFailsThePutAndLeavesNoObject() throws Exception {
        List<String> before = keys("");
        InputStream failing = new InputStream() {
            private long served;

            @Override
            public int read() throws IOException {
                if (served++ > S3Servers.TEST_THRESHOLD + 1_000) {
                    throw new IOException("client went away");
                }
                return 'x';
            }
        };

        CompletionStage<StoredBlob> put = store.put(failing);

        assertThatThrownBy(() -> await(put)).isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(((StoreException) e).kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
        assertThat(keys("")).isEqualTo(before);
    }

    @Test
    void aMissingBucketIsCreatedOnOpenOrRefusedWhenCreationIsOff() throws Exception {
        S3Endpoint s3 = S3ServerExtension.s3();
        S3Options off = new S3Options(s3.endpoint(), S3Servers.REGION, "not-created", s3.accessKey(), s3.secretKey(),
                true, false, S3Servers.TEST_THRESHOLD, 0);
        assertThatThrownBy(() -> S3BlobStore.open(off)).isInstanceOf(StoreException.class)
                .hasMessageContaining("does not exist");

        S3Options on = S3Servers.options(s3, "created-on-open", 0);
        try (S3BlobStore created = S3BlobStore.open(on)) {
            assertThat(raw.bucketExists(io.minio.BucketExistsArgs.builder().bucket("created-on-open").build())).isTrue();
            StoredBlob blob = await(created.put(new ByteArrayInputStream(new byte[] {1, 2, 3})));
            assertThat(await(created.exists(blob.id()))).isTrue();
        }
    }

    @Test
    void wrongCredentialsAreUnavailableWithoutRetrying() {
        S3Endpoint s3 = S3ServerExtension.s3();
        S3Options wrong = new S3Options(s3.endpoint(), S3Servers.REGION, BUCKET, s3.accessKey(), "not-the-secret",
                true, true, S3Servers.TEST_THRESHOLD, 3);
        long start = System.nanoTime();

        assertThatThrownBy(() -> S3BlobStore.open(wrong)).isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(((StoreException) e).kind()).isEqualTo(StoreException.Kind.UNAVAILABLE))
                .hasMessageContaining("1 attempt");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    }

    @Test
    void futuresCompleteOnTheStoresOwnThreads() {
        // A stage that completes before thenApply is attached runs it on the caller: that is no
        // completion on a foreign thread, so the caller is allowed; any other thread is not.
        String caller = Thread.currentThread().getName();
        List<String> threads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            threads.add(store.exists(new BlobId("NOSUCH")).thenApply(v -> Thread.currentThread().getName())
                    .toCompletableFuture().join());
        }

        assertThat(threads).allSatisfy(t -> assertThat(t.startsWith("yubin-s3-io-") || t.equals(caller)).isTrue());
        assertThat(threads).anySatisfy(t -> assertThat(t).startsWith("yubin-s3-io-"));
    }

    private StoredBlob put(byte[] body) {
        return await(store.put(new ByteArrayInputStream(body)));
    }

    private List<String> keys(String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> r : raw.listObjects(ListObjectsArgs.builder().bucket(BUCKET).prefix(prefix).recursive(true).build())) {
            keys.add(r.get().objectName());
        }
        return keys;
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }
}
