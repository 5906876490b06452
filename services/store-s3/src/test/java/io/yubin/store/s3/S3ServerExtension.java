package io.yubin.store.s3;

import io.yubin.testing.s3proxy.S3ProxyProcess;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Makes sure the run's shared S3Proxy is up before a class's tests; {@link #s3()} returns it. */
final class S3ProxyExtension implements BeforeAllCallback {

    private static volatile S3ProxyProcess shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        shared = S3Proxies.shared(context);
    }

    static S3ProxyProcess s3() {
        S3ProxyProcess s3 = shared;
        if (s3 == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(S3ProxyExtension.class)");
        }
        return s3;
    }
}
