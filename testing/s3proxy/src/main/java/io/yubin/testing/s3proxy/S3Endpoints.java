package io.yubin.testing.s3proxy;

import io.yubin.testing.backends.TestBackends;
import java.io.IOException;
import java.nio.file.Path;

/** Starts the S3 server of the backend kind {@link TestBackends#selected()} chose for this test run. */
public final class S3Endpoints {

    private S3Endpoints() {
    }

    /** A fresh server (path-style) with its files under {@code home}. */
    public static S3Endpoint start(Path home) throws IOException, InterruptedException {
        return start(home, false);
    }

    /**
     * As {@link #start(Path)}; with {@code virtualHost} the server also answers virtual-host-style
     * requests to {@code <bucket>.localhost} (S3Proxy then no longer answers path-style ones; MinIO does).
     */
    public static S3Endpoint start(Path home, boolean virtualHost) throws IOException, InterruptedException {
        return switch (TestBackends.selected()) {
            case PROCESS -> S3ProxyProcess.start(home, virtualHost);
            case CONTAINER -> MinioContainerEndpoint.start(home, virtualHost);
        };
    }
}
