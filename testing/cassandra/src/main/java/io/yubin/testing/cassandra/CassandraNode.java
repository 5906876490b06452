package io.yubin.testing.cassandra;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A running single-node Cassandra for tests, however it runs ({@link CassandraNodes#start} picks a
 * local process or a container). Its data survives {@link #stop()}, {@link #kill()} and
 * {@link #start()}, and so does its contact point: clients keep one address for the node's whole life.
 */
public interface CassandraNode extends AutoCloseable {

    /** The node's data center, for the driver's {@code withLocalDatacenter}. */
    String LOCAL_DATACENTER = "datacenter1";

    /** The host of the CQL native transport, as clients on this machine reach it. */
    String host();

    /** The CQL native transport port on {@link #host()}. */
    int nativePort();

    default InetSocketAddress contactPoint() {
        return new InetSocketAddress(host(), nativePort());
    }

    default String localDatacenter() {
        return LOCAL_DATACENTER;
    }

    /** Starts it again after {@link #stop()} or {@link #kill()}: same contact point, same data; returns once CQL answers. */
    void start() throws IOException, InterruptedException;

    /** A clean shutdown; waits until the node is gone. */
    void stop() throws InterruptedException;

    /** Kills the node at once (SIGKILL), as a crash would; waits until it is gone. */
    void kill() throws InterruptedException;

    boolean isRunning();

    /** Where to look when something fails: its log file, or its container. */
    String describe();

    /** Stops the node for good and releases it. */
    @Override
    void close() throws InterruptedException;
}
