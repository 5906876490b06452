package io.yubin.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two replicas on one Lease (mock API server in CRUD mode): one reconciles at a time, and the other takes over. */
class LeaderElectionTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        client = server.createClient();
        client.apiextensions().v1().customResourceDefinitions().resource(Serialization.unmarshal(
                Files.readString(Path.of("../../k8s/crds/maildomain.yaml")), CustomResourceDefinition.class)).create();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    OperatorSettings settings(String identity) {
        return OperatorSettings.defaults("mail", null, identity).withLease("mail", "yubin-operator", identity,
                // generous against a loaded machine: a leader that cannot renew within 6 s steps down
                Duration.ofSeconds(8), Duration.ofSeconds(6), Duration.ofMillis(500));
    }

    @Test
    void oneReplicaLeadsAndTheOtherTakesOverWhenItGoes() {
        SimpleMeterRegistry aMetrics = new SimpleMeterRegistry();
        SimpleMeterRegistry bMetrics = new SimpleMeterRegistry();
        MailDomainOperator a = new MailDomainOperator(client, settings("replica-a"), aMetrics);
        MailDomainOperator b = new MailDomainOperator(client, settings("replica-b"), bMetrics);
        try {
            CompletableFuture<?> aDone = a.run();
            await().atMost(Duration.ofSeconds(30)).until(a::isLeading);
            b.run();
            Lease lease = await().atMost(Duration.ofSeconds(30)).until(
                    () -> client.leases().inNamespace("mail").withName("yubin-operator").get(),
                    l -> l != null && "replica-a".equals(l.getSpec().getHolderIdentity()));
            assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(8);
            // b waits while a renews: past a whole lease duration, still only a leads
            long renewals = lease.getSpec().getRenewTime().toEpochSecond();
            await().atMost(Duration.ofSeconds(30)).until(() -> client.leases().inNamespace("mail")
                    .withName("yubin-operator").get().getSpec().getRenewTime().toEpochSecond() >= renewals + 9);
            assertThat(List.of(a.isLeading(), b.isLeading())).containsExactly(true, false);
            assertThat(aMetrics.get("yubin.operator.leader").gauge().value()).isEqualTo(1.0);
            assertThat(bMetrics.get("yubin.operator.leader").gauge().value()).isEqualTo(0.0);

            a.close();
            await().atMost(Duration.ofSeconds(30)).until(b::isLeading);
            assertThat(aDone).isDone();
            assertThat(a.isLeading()).isFalse();
            assertThat(client.leases().inNamespace("mail").withName("yubin-operator").get().getSpec()
                    .getHolderIdentity()).isEqualTo("replica-b");
        } finally {
            a.close();
            b.close();
        }
    }
}
