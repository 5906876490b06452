package io.yubin.testing.s3proxy;

import java.io.IOException;

/**
 * A running S3 API server for tests, however it runs ({@link S3Endpoints#start} picks S3Proxy as a
 * local process or MinIO in a container). Its data survives {@link #stop()} and {@link #start()},
 * and so does its endpoint.
 */
public interface S3Endpoint extends AutoCloseable {

    String ACCESS_KEY = "yubin-access";
    String SECRET_KEY = "yubin-secret-key";
    String REGION = "us-east-1";

    /** The host name under which a virtual-host-style server answers {@code <bucket>.localhost}. */
    String VIRTUAL_HOST = "localhost";

    /** {@code http://<host>:<port>}, for path-style requests. */
    String endpoint();

    /** {@code http://localhost:<port>}: with virtual-host style, buckets are {@code <bucket>.localhost}. */
    String virtualHostEndpoint();

    default String accessKey() {
        return ACCESS_KEY;
    }

    default String secretKey() {
        return SECRET_KEY;
    }

    default String region() {
        return REGION;
    }

    /** Starts it again after {@link #stop()}: same endpoint, same objects; returns once it serves. */
    void start() throws IOException, InterruptedException;

    /** Stops it and waits until it is gone. */
    void stop() throws InterruptedException;

    /** Kills it at once (SIGKILL), as a crash would, and waits until it is gone; {@link #start()} brings it back. */
    void kill() throws InterruptedException;

    /** Where to look when something fails: its log file, or its container. */
    String describe();

    @Override
    void close() throws InterruptedException;
}
