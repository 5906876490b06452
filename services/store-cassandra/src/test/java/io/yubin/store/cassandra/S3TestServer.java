package io.yubin.store.cassandra;

import io.yubin.store.BlobStore;
import io.yubin.store.s3.S3BlobStore;
import io.yubin.store.s3.S3Options;
import io.yubin.testing.s3proxy.S3Endpoint;
import io.yubin.testing.s3proxy.S3Endpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** One S3 server ({@link S3Endpoints}) for the run, for the Cassandra + S3 combination of the contract suite. */
final class S3TestServer implements BeforeAllCallback {

    private static volatile S3Endpoint shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        shared = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("yubin-s3", k -> new Running(start()), Running.class).s3();
    }

    /** A store on the shared server; every bucket name gets its own bucket, created on open. */
    static BlobStore blobs(String bucket) {
        S3Endpoint s3 = shared;
        if (s3 == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(S3TestServer.class)");
        }
        return S3BlobStore.open(new S3Options(s3.endpoint(), s3.region(), bucket, s3.accessKey(), s3.secretKey(),
                true, true, S3Options.MIN_PART_SIZE, 2));
    }

    private static S3Endpoint start() {
        try {
            Path parent = Files.createDirectories(Path.of("target", "s3proxy"));
            return S3Endpoints.start(Files.createTempDirectory(parent, "shared-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Running(S3Endpoint s3) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            s3.close();
        }
    }
}
