package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.yubin.operator.crd.MailDomain;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches MailDomains and reconciles each one on one thread, one at a time: an informer queues
 * the key of every resource that changed; a resource is read again from the API server before
 * it is reconciled (the cache may lag behind the operator's own last status write). A failed
 * reconcile is retried with exponential backoff (1 s doubling to 5 min); a change to the
 * resource brings it back at once, and so does a change to a Service a MailDomain takes its
 * addresses from (spec.addressesFrom: the load balancer's IP arrives after the resource, typically).
 * Secrets are not watched, since that needs list and watch on every Secret of the namespace: a
 * missing TSIG or CA Secret created later is found by the retry.
 */
public final class MailDomainController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MailDomainController.class);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    static final Duration INFORMER_RESYNC = Duration.ofMinutes(10);

    private final KubernetesClient client;
    private final String namespace;
    private final MailDomainReconciler reconciler;
    private final MeterRegistry registry;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "maildomain-reconciler");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, ScheduledFuture<?>> scheduled = new HashMap<>();
    private final Map<String, Long> dueAt = new HashMap<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private SharedIndexInformer<MailDomain> informer;
    private SharedIndexInformer<Service> services;
    private final Duration firstBackoff;

    /**
     * @param namespace the namespace watched; null for all
     * @param registry where {@code yubin.operator.reconcile} (a timer tagged with the result: done,
     *     retry or error) goes
     */
    public MailDomainController(KubernetesClient client, String namespace, MailDomainReconciler reconciler,
            MeterRegistry registry) {
        this(client, namespace, reconciler, registry, FIRST_BACKOFF);
    }

    /** With another first retry delay (tests: one long enough that only a watched change brings a resource back). */
    MailDomainController(KubernetesClient client, String namespace, MailDomainReconciler reconciler,
            MeterRegistry registry, Duration firstBackoff) {
        this.firstBackoff = firstBackoff;
        this.client = client;
        this.namespace = namespace;
        this.reconciler = reconciler;
        this.registry = registry;
    }

    public synchronized void start() {
        var resources = client.resources(MailDomain.class);
        ResourceEventHandler<MailDomain> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(MailDomain resource) {
                enqueue(Cache.metaNamespaceKeyFunc(resource), Duration.ZERO);
            }

            @Override
            public void onUpdate(MailDomain before, MailDomain after) {
                enqueue(Cache.metaNamespaceKeyFunc(after), Duration.ZERO);
            }

            @Override
            public void onDelete(MailDomain resource, boolean finalStateUnknown) {
                // gone: the finalizer's work was done when deletionTimestamp appeared
            }
        };
        informer = namespace == null
                ? resources.inAnyNamespace().inform(handler, INFORMER_RESYNC.toMillis())
                : resources.inNamespace(namespace).inform(handler, INFORMER_RESYNC.toMillis());
        ResourceEventHandler<Service> serviceHandler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service service) {
                serviceChanged(service);
            }

            @Override
            public void onUpdate(Service before, Service after) {
                if (!Objects.equals(before.getStatus(), after.getStatus())) {
                    serviceChanged(after);
                }
            }

            @Override
            public void onDelete(Service service, boolean finalStateUnknown) {
                serviceChanged(service);
            }
        };
        services = namespace == null
                ? client.services().inAnyNamespace().inform(serviceHandler, INFORMER_RESYNC.toMillis())
                : client.services().inNamespace(namespace).inform(serviceHandler, INFORMER_RESYNC.toMillis());
        LOG.info("watching MailDomains and Services in {}", namespace == null ? "every namespace"
                : "namespace " + namespace);
    }

    /** Reconciles at once every MailDomain of the Service's namespace that takes its addresses from it. */
    private void serviceChanged(Service service) {
        if (informer == null) {
            return;
        }
        String serviceNamespace = service.getMetadata().getNamespace();
        String name = service.getMetadata().getName();
        for (MailDomain domain : informer.getStore().list()) {
            if (domain.getSpec() != null && domain.getSpec().addressesFrom() != null
                    && name.equals(domain.getSpec().addressesFrom().service())
                    && Objects.equals(serviceNamespace, domain.getMetadata().getNamespace())) {
                LOG.debug("Service {}/{} changed: reconciling MailDomain {}", serviceNamespace, name,
                        domain.getMetadata().getName());
                enqueue(Cache.metaNamespaceKeyFunc(domain), Duration.ZERO);
            }
        }
    }

    /** Runs {@code key} after {@code delay}, or sooner if it is already due sooner. */
    synchronized void enqueue(String key, Duration delay) {
        if (worker.isShutdown()) {
            return;
        }
        long due = System.nanoTime() + delay.toNanos();
        Long current = dueAt.get(key);
        if (current != null && current - due <= 0) {
            return;
        }
        ScheduledFuture<?> previous = scheduled.remove(key);
        if (previous != null) {
            previous.cancel(false);
        }
        dueAt.put(key, due);
        scheduled.put(key, worker.schedule(() -> work(key), delay.toNanos(), TimeUnit.NANOSECONDS));
    }

    private void work(String key) {
        synchronized (this) {
            scheduled.remove(key);
            dueAt.remove(key);
        }
        String[] parts = key.split("/", 2);
        MailDomainReconciler.Result result;
        Timer.Sample sample = Timer.start(registry);
        String outcome = "error";
        try {
            MailDomain resource = parts.length == 2
                    ? client.resources(MailDomain.class).inNamespace(parts[0]).withName(parts[1]).get()
                    : client.resources(MailDomain.class).withName(parts[0]).get();
            if (resource == null) {
                forget(key);
                return;
            }
            result = reconciler.reconcile(resource);
            outcome = result.retry() ? "retry" : "done";
        } catch (RuntimeException e) {
            // a conflict, the API server away, a bug: the resource is retried, the operator keeps running
            LOG.warn("reconcile of MailDomain {} failed; retrying", key, e);
            result = MailDomainReconciler.Result.retryLater();
        } finally {
            sample.stop(registry.timer("yubin.operator.reconcile", "result", outcome));
        }
        if (result.retry()) {
            int n;
            synchronized (this) {
                n = failures.merge(key, 1, Integer::sum);
            }
            enqueue(key, backoff(n, firstBackoff));
        } else {
            synchronized (this) {
                failures.remove(key);
            }
            if (result.requeueAfter() != null) {
                enqueue(key, result.requeueAfter());
            }
        }
    }

    private synchronized void forget(String key) {
        failures.remove(key);
    }

    /** 1 s, 2 s, 4 s, ... up to 5 minutes. */
    static Duration backoff(int failures) {
        return backoff(failures, FIRST_BACKOFF);
    }

    /** {@code first}, doubling, up to 5 minutes (or {@code first} when that is longer). */
    static Duration backoff(int failures, Duration first) {
        long seconds = first.toSeconds() << Math.min(failures - 1, 20);
        return seconds >= Math.max(MAX_BACKOFF.toSeconds(), first.toSeconds())
                ? Duration.ofSeconds(Math.max(MAX_BACKOFF.toSeconds(), first.toSeconds())) : Duration.ofSeconds(seconds);
    }

    @Override
    public synchronized void close() {
        if (informer != null) {
            informer.close();
        }
        if (services != null) {
            services.close();
        }
        worker.shutdownNow();
        scheduled.clear();
        dueAt.clear();
    }
}
