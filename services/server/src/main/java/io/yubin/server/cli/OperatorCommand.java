package io.yubin.server.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.yubin.operator.MailDomainOperator;
import io.yubin.operator.OperatorSettings;
import io.yubin.web.Metrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "operator", mixinStandardHelpOptions = true,
        description = "Run the Kubernetes operator: MailDomain resources become DKIM keys, DNS records,"
            + " certificates and registered domains (docs/operator.md). Replicas elect a leader on a Lease.",
        footer = {"", "Exit status 1 when this replica lost the Lease: Kubernetes starts it again as a follower."})
public final class OperatorCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(OperatorCommand.class);

    @Option(names = "--namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE}",
            description = "The namespace whose MailDomains are reconciled (default: $POD_NAMESPACE, else every"
                + " namespace).")
    String namespace;

    @Option(names = "--admin-url", paramLabel = "URL", defaultValue = "${env:YUBIN_ADMIN_URL}",
            description = "The admin API of the mail cluster, e.g. http://yubin-admin:8080; domains are registered"
                + " there (default: $YUBIN_ADMIN_URL).")
    URI adminUrl;

    @Option(names = "--admin-token-secret", paramLabel = "NAME", defaultValue = OperatorSettings.DEFAULT_ADMIN_TOKEN_SECRET,
            description = "The Secret, in each MailDomain's namespace, holding the admin API token (default: ${DEFAULT-VALUE}).")
    String adminTokenSecret;

    @Option(names = "--admin-token-key", paramLabel = "KEY", defaultValue = OperatorSettings.DEFAULT_ADMIN_TOKEN_KEY,
            description = "The token's key in that Secret (default: ${DEFAULT-VALUE}).")
    String adminTokenKey;

    @Option(names = "--lease-namespace", paramLabel = "NS",
            description = "The namespace of the leader-election Lease (default: --namespace, else the client's).")
    String leaseNamespace;

    @Option(names = "--lease-name", paramLabel = "NAME", defaultValue = OperatorSettings.DEFAULT_LEASE_NAME,
            description = "The leader-election Lease (default: ${DEFAULT-VALUE}).")
    String leaseName;

    @Option(names = "--identity", paramLabel = "ID", defaultValue = "${env:HOSTNAME}",
            description = "This replica's name in the Lease (default: $HOSTNAME, the pod name).")
    String identity;

    @Option(names = "--kubernetes-url", paramLabel = "URL",
            description = "The API server, outside a cluster without a kubeconfig (default: in-cluster or"
                + " $KUBECONFIG).")
    URI kubernetesUrl;

    @Option(names = "--metrics-address", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:9090",
            description = "Where /metrics (Prometheus) and /health/live are served (default: ${DEFAULT-VALUE});"
                + " port 0 takes a free one.")
    String metricsAddress;

    private final CompletableFuture<Void> stop = new CompletableFuture<>();
    private volatile HttpServer metricsServer;

    OperatorSettings settings() {
        String id = identity == null || identity.isBlank() ? "yubin-operator-" + ProcessHandle.current().pid() : identity;
        OperatorSettings defaults = OperatorSettings.defaults(blankToNull(namespace), adminUrl, id);
        return new OperatorSettings(defaults.namespace(), adminUrl, adminTokenSecret, adminTokenKey,
                defaults.dnsTimeout(), leaseNamespace != null ? leaseNamespace : defaults.namespace(), leaseName, id,
                defaults.leaseDuration(), defaults.renewDeadline(), defaults.retryPeriod());
    }

    @Override
    public Integer call() throws InterruptedException {
        OperatorSettings settings = settings();
        Config config = kubernetesUrl == null ? Config.autoConfigure(null)
                : new ConfigBuilder(Config.empty()).withMasterUrl(kubernetesUrl.toString()).withTrustCerts(true).build();
        try (Metrics metrics = new Metrics();
                KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
                MailDomainOperator operator = new MailDomainOperator(client, settings, metrics.registry())) {
            metricsServer = serveMetrics(metrics);
            LOG.info("operator {} starting against {}; admin API {}", settings.identity(), client.getMasterUrl(),
                    settings.adminUrl() == null ? "not set: domains stay unregistered" : settings.adminUrl());
            CompletableFuture<?> lost = operator.run();
            for (String name : List.of("TERM", "INT")) {
                try {
                    Signal.handle(new Signal(name), signal -> stop.complete(null));
                } catch (IllegalArgumentException e) {
                    LOG.warn("Cannot handle SIG{}: {}", name, e.getMessage());
                }
            }
            CompletableFuture.anyOf(lost, stop).get();
            if (stop.isDone()) {
                return 0;
            }
            LOG.warn("operator {} lost the Lease {}; exiting", settings.identity(), settings.leaseName());
            return 1;
        } catch (ExecutionException e) {
            throw CliException.failed("operator stopped: " + e.getCause(), e);
        } catch (IOException e) {
            throw CliException.failed("cannot serve metrics on " + metricsAddress + ": " + e.getMessage(), e);
        } finally {
            if (metricsServer != null) {
                metricsServer.stop(0);
            }
        }
    }

    /** /metrics and /health/live on the JDK's HTTP server: the operator has no Vert.x of its own. */
    private HttpServer serveMetrics(Metrics metrics) throws IOException {
        int colon = metricsAddress.lastIndexOf(':');
        if (colon < 0) {
            throw CliException.failed("--metrics-address " + metricsAddress + ": expected HOST:PORT");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(metricsAddress.substring(0, colon),
                Integer.parseInt(metricsAddress.substring(colon + 1))), 0);
        server.createContext("/metrics", exchange -> answer(exchange, Metrics.CONTENT_TYPE, metrics.scrape()));
        server.createContext("/health/live", exchange -> answer(exchange, "application/json", "{\"status\":\"UP\"}"));
        server.start();
        LOG.info("metrics on http://{}:{}/metrics", metricsAddress.substring(0, colon), server.getAddress().getPort());
        return server;
    }

    private static void answer(HttpExchange exchange, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    /** The port /metrics is served on, once running. */
    int metricsPort() {
        HttpServer server = metricsServer;
        return server == null ? -1 : server.getAddress().getPort();
    }

    /** Stops a running {@link #call()} as SIGTERM would. */
    void stop() {
        stop.complete(null);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
