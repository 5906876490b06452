package io.yubin.web;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsNaming;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * The process's one Micrometer registry, exposed in the Prometheus text format, joined to Micrometer's
 * global registry while open. It carries the JVM
 * metrics and, when Vert.x is built with {@link #vertxBuilder(VertxOptions)}, the Vert.x metrics
 * (HTTP server requests among them).
 *
 * <p>Vert.x 5 no longer takes a metrics factory inside {@link MetricsOptions}: the registry reaches
 * Vert.x through {@link VertxBuilder#withMetrics}. {@link #vertxMetricsOptions()} alone enables
 * metrics but would make Vert.x create a registry of its own.
 */
public final class Metrics implements AutoCloseable {

    /** Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final String registryName = "yubin-" + UUID.randomUUID();

    public Metrics() {
        // What modules count without a registry handed to them (SMTP transactions, logins, spam verdicts)
        // goes to Micrometer's global registry; this registry joins it, so those meters are scraped too.
        io.micrometer.core.instrument.Metrics.addRegistry(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Vert.x metrics options bound to this registry: enabled (HTTP server metrics included) and
     * labelled only with low-cardinality labels: never the raw path or the client address, which
     * would make one time series per URL or per client. The listener's own address is a label: without
     * it every server of the process (admin, MTA-STS, each SMTP, IMAP and POP3 port) adds into one time
     * series per metric, and the active connections of IMAP cannot be told from those of SMTP.
     */
    public MetricsOptions vertxMetricsOptions() {
        return new MicrometerMetricsOptions()
                .setEnabled(true)
                .setRegistryName(registryName)
                .setMetricsNaming(MetricsNaming.v4Names())
                .setJvmMetricsEnabled(false)
                .setLabels(labels());
    }

    /**
     * Vert.x's default labels (HTTP method and code, pool type and name, event-bus side) plus the
     * route template and the listener's address ({@code local}, one per configured port). Not the raw
     * path nor the remote address.
     */
    private static Set<Label> labels() {
        Set<Label> labels = EnumSet.copyOf(MicrometerMetricsOptions.DEFAULT_LABELS);
        labels.add(Label.HTTP_ROUTE);
        labels.add(Label.LOCAL);
        return labels;
    }

    /** The factory that makes Vert.x record into this registry. */
    public VertxMetricsFactory vertxMetricsFactory() {
        return new MicrometerMetricsFactory(registry);
    }

    /** A Vert.x builder with {@code options} plus this registry's metrics options and factory. */
    public VertxBuilder vertxBuilder(VertxOptions options) {
        return Vertx.builder()
                .with(new VertxOptions(options).setMetricsOptions(vertxMetricsOptions()))
                .withMetrics(vertxMetricsFactory());
    }

    /** All metrics in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape(CONTENT_TYPE);
    }

    @Override
    public void close() {
        io.micrometer.core.instrument.Metrics.removeRegistry(registry);
        gcMetrics.close();
        registry.close();
    }
}
