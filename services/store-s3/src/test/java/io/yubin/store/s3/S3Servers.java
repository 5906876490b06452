package io.yubin.store.s3;

import io.minio.MinioClient;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.s3proxy.S3Endpoint;
import io.yubin.testing.s3proxy.S3Endpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One S3 server for the whole test run ({@link S3Endpoints}: S3Proxy as a process, or MinIO in a
 * container where Docker is; started by the first class that asks, stopped when JUnit closes its
 * root store), and helpers to open stores on it. Tests that stop the server start their own with
 * {@link #startOwn(String)}.
 */
final class S3Servers {

    static final String REGION = S3Endpoint.REGION;
    /** Small enough that the 20 MB contract body is a multipart upload. */
    static final long TEST_THRESHOLD = S3Options.MIN_PART_SIZE;

    private S3Servers() {
    }

    /** The server shared by every test class of this run. */
    static S3Endpoint shared(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("yubin-s3", k -> new Running(startOwn("shared")), Running.class)
                .s3();
    }

    /** A new server with its files under {@code target/s3proxy/<name>-*}. */
    static S3Endpoint startOwn(String name) {
        return startOwn(name, false);
    }

    static S3Endpoint startOwn(String name, boolean virtualHost) {
        try {
            Path parent = Files.createDirectories(Path.of("target", "s3proxy"));
            return S3Endpoints.start(Files.createTempDirectory(parent, name + "-"), virtualHost);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static S3Options options(S3Endpoint s3, String bucket, int maxRetries) {
        return new S3Options(s3.endpoint(), REGION, bucket, s3.accessKey(), s3.secretKey(), true, true, TEST_THRESHOLD,
                maxRetries);
    }

    /** SQLite metadata under {@code dir} with bodies in {@code bucket} on {@code s3}. */
    static Storage mixedStorage(S3Endpoint s3, String bucket, Path dir) {
        return EmbeddedStorage.open(dir, S3BlobStore.open(options(s3, bucket, 2)));
    }

    /** A plain client, to look at and tamper with objects behind the store's back. */
    static MinioClient rawClient(S3Endpoint s3) {
        return MinioClient.builder().endpoint(s3.endpoint()).region(REGION).credentials(s3.accessKey(), s3.secretKey())
                .build();
    }

    /** Stops the server when JUnit closes the root store at the end of the run. */
    record Running(S3Endpoint s3) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            s3.close();
        }
    }
}
