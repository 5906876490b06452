package io.yubin.store.s3;

import static io.yubin.store.s3.S3BlobStoreTest.await;
import static io.yubin.store.s3.S3BlobStoreTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.testing.s3proxy.S3Endpoint;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** S3 goes away and comes back: UNAVAILABLE after bounded retries, then service resumes by itself. */
class S3BlobStoreFaultTest {

    private static S3Endpoint s3;
    private static S3BlobStore store;

    @BeforeAll
    static void start() {
        s3 = S3Servers.startOwn("fault");
        store = S3BlobStore.open(S3Servers.options(s3, "faults", 2));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (store != null) {
            store.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void everyOperationIsUnavailableWhileS3IsDownAndWorksAgainAfterARestart() throws Exception {
        StoredBlob before = await(store.put(body("written before the outage")));
        s3.stop();
        try {
            assertUnavailable(store.put(body("during the outage")));
            assertUnavailable(store.get(before.id()));
            assertUnavailable(store.get(before.id(), 0, 3));
            assertUnavailable(store.exists(before.id()));
            assertUnavailable(store.delete(before.id()));
        } finally {
            s3.start();
        }

        assertThat(new String(readAll(await(store.get(before.id()))), StandardCharsets.US_ASCII))
                .isEqualTo("written before the outage");
        StoredBlob after = await(store.put(body("after the outage")));
        assertThat(await(store.exists(after.id()))).isTrue();
    }

    @Test
    void anUploadCutOffInTheMiddleIsUnavailableAndTheNextOneSucceeds() throws Exception {
        CountDownLatch firstPartRead = new CountDownLatch(1);
        CountDownLatch serverStopped = new CountDownLatch(1);
        long size = 3 * S3Servers.TEST_THRESHOLD;
        InputStream slow = new InputStream() {
            private long served;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (served >= size) {
                    return -1;
                }
                if (served >= S3Servers.TEST_THRESHOLD + 1) {
                    firstPartRead.countDown();
                    awaitLatch(serverStopped);
                }
                int n = (int) Math.min(len, size - served);
                served += n;
                return n;
            }
        };

        CompletionStage<StoredBlob> put = store.put(slow);
        assertThat(firstPartRead.await(60, TimeUnit.SECONDS)).isTrue();
        s3.stop();
        serverStopped.countDown();
        try {
            assertUnavailable(put);
        } finally {
            s3.start();
        }

        StoredBlob next = await(store.put(new ZeroBody(size).stream()));
        assertThat(next.size()).isEqualTo(size);
    }

    private static void assertUnavailable(CompletionStage<?> stage) {
        assertThatThrownBy(() -> await(stage)).isInstanceOf(StoreException.class)
                .satisfies(e -> assertThat(((StoreException) e).kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
    }

    private static InputStream body(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("server was not stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Zero-filled body of a given size, produced on the fly. */
    private record ZeroBody(long size) {
        InputStream stream() {
            return new InputStream() {
                private long served;

                @Override
                public int read() {
                    return served++ < size ? 0 : -1;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    if (served >= size) {
                        return -1;
                    }
                    int n = (int) Math.min(len, size - served);
                    java.util.Arrays.fill(b, off, off + n, (byte) 0);
                    served += n;
                    return n;
                }
            };
        }
    }
}
