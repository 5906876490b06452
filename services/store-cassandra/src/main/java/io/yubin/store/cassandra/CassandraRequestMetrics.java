package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.config.DriverExecutionProfile;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.session.Request;
import com.datastax.oss.driver.api.core.tracker.RequestTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The driver's requests as Micrometer timers ({@code yubin.cassandra.requests}, tagged with the
 * outcome: success, or the failure's type such as {@code WriteTimeoutException}), and failed attempts
 * on single nodes ({@code yubin.cassandra.node.errors}). The driver's own metrics module needs the
 * unshaded driver and its Netty 4.1, which cannot sit beside the Netty 4.2 of Vert.x; this tracker
 * uses only the public API.
 */
final class CassandraRequestMetrics implements RequestTracker {

    private final MeterRegistry registry;
    private final Timer success;

    CassandraRequestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.success = timer("success");
    }

    private Timer timer(String outcome) {
        return Timer.builder("yubin.cassandra.requests").description("CQL requests, from send to final answer")
                .tag("outcome", outcome).publishPercentileHistogram(false).register(registry);
    }

    @Override
    public void onSuccess(Request request, long latencyNanos, DriverExecutionProfile profile, Node node,
            String requestLogPrefix) {
        success.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onError(Request request, Throwable error, long latencyNanos, DriverExecutionProfile profile, Node node,
            String requestLogPrefix) {
        timer(error.getClass().getSimpleName()).record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onNodeError(Request request, Throwable error, long latencyNanos, DriverExecutionProfile profile,
            Node node, String requestLogPrefix) {
        registry.counter("yubin.cassandra.node.errors", "error", error.getClass().getSimpleName()).increment();
    }

    @Override
    public void close() {
        // The registry belongs to the caller.
    }
}
