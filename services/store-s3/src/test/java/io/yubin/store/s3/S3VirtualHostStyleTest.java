package io.yubin.store.s3;

import static io.yubin.store.s3.S3BlobStoreTest.await;
import static io.yubin.store.s3.S3BlobStoreTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.StoredBlob;
import io.yubin.testing.s3proxy.S3Endpoint;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/** Virtual-host-style addressing: requests go to {@code <bucket>.localhost}, resolved to 127.0.0.1. */
class S3VirtualHostStyleTest {

    @Test
    void storesAndReadsThroughBucketHostNames() throws Exception {
        S3Endpoint s3 = S3Servers.startOwn("vhost", true);
        List<String> looked = new CopyOnWriteArrayList<>();
        OkHttpClient http = S3BlobStore.defaultHttpClient().newBuilder()
                .dns(host -> {
                    looked.add(host);
                    return List.of(InetAddress.getLoopbackAddress());
                })
                .build();
        S3Options options = new S3Options(s3.virtualHostEndpoint(), S3Servers.REGION, "vhost-bucket",
                s3.accessKey(), s3.secretKey(), false, true, S3Servers.TEST_THRESHOLD, 1);

        try (S3BlobStore store = S3BlobStore.open(options, http)) {
            StoredBlob blob = await(store.put(new ByteArrayInputStream("virtual".getBytes(StandardCharsets.US_ASCII))));
            assertThat(readAll(await(store.get(blob.id())))).isEqualTo("virtual".getBytes(StandardCharsets.US_ASCII));
            await(store.delete(blob.id()));
            assertThat(await(store.exists(blob.id()))).isFalse();
        } finally {
            s3.close();
        }

        assertThat(new ArrayList<>(looked)).contains("vhost-bucket.localhost");
    }
}
