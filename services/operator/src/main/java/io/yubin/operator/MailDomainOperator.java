package io.yubin.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.yubin.operator.reconcile.MailDomainController;
import io.yubin.operator.reconcile.MailDomainReconciler;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator with leader election on a Lease: only the replica holding the Lease reconciles,
 * so two replicas never act at once. A replica that loses the Lease stops reconciling and
 * {@link #run()} completes, so the process exits and Kubernetes starts it again as a follower.
 */
public final class MailDomainOperator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailDomainOperator.class);

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private final MeterRegistry registry;
    private final AtomicReference<MailDomainController> controller = new AtomicReference<>();
    private volatile CompletableFuture<?> election;

    /** @param registry gets {@code yubin.operator.leader} (1 while leading) and the controller's timer */
    public MailDomainOperator(KubernetesClient client, OperatorSettings settings, MeterRegistry registry) {
        this.client = client;
        this.settings = settings;
        this.registry = registry;
        Gauge.builder("yubin.operator.leader", this, o -> o.isLeading() ? 1 : 0)
                .description("1 while this replica holds the Lease and reconciles").register(registry);
    }

    /** Whether this replica leads and reconciles now. */
    public boolean isLeading() {
        return controller.get() != null;
    }

    /** Starts the election; the future completes when this replica stops leading or is closed. */
    public CompletableFuture<?> run() {
        String leaseNamespace = settings.leaseNamespace() != null ? settings.leaseNamespace()
                : client.getNamespace() != null ? client.getNamespace() : "default";
        CompletableFuture<Void> done = new CompletableFuture<>();
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(settings.leaseName())
                .withLock(new LeaseLock(leaseNamespace, settings.leaseName(), settings.identity()))
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, () -> {
                    stopLeading();
                    done.complete(null);
                }, leader -> LOG.info("leader is {}", leader)))
                .build()).build().start();
        election.whenComplete((v, e) -> {
            stopLeading();
            done.complete(null);
        });
        return done;
    }

    private void startLeading() {
        LOG.info("{} leads (Lease {}): reconciling MailDomains", settings.identity(), settings.leaseName());
        MailDomainController started = new MailDomainController(client, settings.namespace(),
                new MailDomainReconciler(client, settings, new SecureRandom(), Clock.systemUTC()), registry);
        if (controller.compareAndSet(null, started)) {
            started.start();
        }
    }

    private void stopLeading() {
        MailDomainController running = controller.getAndSet(null);
        if (running != null) {
            LOG.info("{} stopped leading: reconciling stopped", settings.identity());
            running.close();
        }
    }

    @Override
    public void close() {
        CompletableFuture<?> e = election;
        if (e != null) {
            e.cancel(true);
        }
        stopLeading();
    }
}
