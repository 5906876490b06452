package io.yubin.store.s3;

import io.yubin.testing.s3proxy.S3Endpoint;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Makes sure the run's shared S3 server is up before a class's tests; {@link #s3()} returns it. */
final class S3ServerExtension implements BeforeAllCallback {

    private static volatile S3Endpoint shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        shared = S3Servers.shared(context);
    }

    static S3Endpoint s3() {
        S3Endpoint s3 = shared;
        if (s3 == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(S3ServerExtension.class)");
        }
        return s3;
    }
}
