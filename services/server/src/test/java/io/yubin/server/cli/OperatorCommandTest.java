package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.yubin.operator.OperatorSettings;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.crd.MailDomainStatus;
import io.yubin.server.Yubin;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code yubin operator} against the mock API server in CRUD mode with the real CRD. */
class OperatorCommandTest {

    @Test
    void isASubcommandOfYubin() {
        CommandLine yubin = Yubin.commandLine(new PasswordInput(() -> null, new ByteArrayInputStream(new byte[0])));
        assertThat(yubin.getSubcommands()).containsKey("operator");
        StringWriter help = new StringWriter();
        yubin.setOut(new PrintWriter(help, true));
        assertThat(yubin.execute("operator", "--help")).isZero();
        assertThat(help.toString()).contains("--admin-url", "--namespace", "--lease-name", "--metrics-address");
    }

    @Test
    void optionsBecomeTheOperatorsSettings() {
        OperatorCommand command = new OperatorCommand();
        new CommandLine(command).parseArgs("--namespace", "mail", "--admin-url", "http://yubin-admin:8080",
                "--admin-token-secret", "tok", "--identity", "pod-1", "--lease-name", "lease");
        OperatorSettings settings = command.settings();
        assertThat(settings.namespace()).isEqualTo("mail");
        assertThat(settings.adminUrl()).isEqualTo(URI.create("http://yubin-admin:8080"));
        assertThat(settings.adminTokenSecret()).isEqualTo("tok");
        assertThat(settings.adminTokenKey()).isEqualTo(OperatorSettings.DEFAULT_ADMIN_TOKEN_KEY);
        assertThat(settings.leaseNamespace()).isEqualTo("mail");
        assertThat(settings.leaseName()).isEqualTo("lease");
        assertThat(settings.identity()).isEqualTo("pod-1");
    }

    @Test
    void takesTheLeaseAndReconcilesUntilStopped() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        try (KubernetesClient client = server.createClient()) {
            client.apiextensions().v1().customResourceDefinitions().resource(Serialization.unmarshal(
                    Files.readString(Path.of("../../k8s/crds/maildomain.yaml")), CustomResourceDefinition.class))
                    .create();
            OperatorCommand command = new OperatorCommand();
            CommandLine commandLine = new CommandLine(command);
            AtomicInteger exit = new AtomicInteger(-1);
            Thread running = new Thread(() -> exit.set(commandLine.execute("--kubernetes-url", server.url("/"),
                    "--namespace", "mail", "--identity", "op-1", "--metrics-address", "127.0.0.1:0")),
                    "operator-command");
            running.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    var lease = client.leases().inNamespace("mail").withName("yubin-operator").get();
                    return lease != null && "op-1".equals(lease.getSpec().getHolderIdentity());
                });
                await().atMost(Duration.ofSeconds(30)).until(() -> command.metricsPort() > 0);
                // the Lease names the holder a moment before its callback starts the reconciler
                await().atMost(Duration.ofSeconds(30)).until(() -> HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + command.metricsPort() + "/metrics"))
                                .build(), HttpResponse.BodyHandlers.ofString()).body(),
                        body -> body.contains("yubin_operator_leader 1.0"));
                client.resource(Serialization.unmarshal("""
                        apiVersion: yubin.io/v1alpha1
                        kind: MailDomain
                        metadata: {name: example-org, namespace: mail}
                        spec:
                          domain: example.org
                          dkim: {algorithm: ed25519-sha256}
                          certificate: {source: none}
                        """, MailDomain.class)).create();
                MailDomainStatus status = await().atMost(Duration.ofSeconds(30)).until(() -> {
                    MailDomain r = client.resources(MailDomain.class).inNamespace("mail").withName("example-org").get();
                    return r == null ? null : r.getStatus();
                }, s -> s != null && s.condition("Ready") != null);
                assertThat(status.condition("DkimKeyReady").status()).isEqualTo("True");
                assertThat(status.condition("DnsPublished").reason()).isEqualTo("ListedOnly");
                // started without --admin-url: says so, and what to do
                assertThat(status.condition("DomainRegistered").reason()).isEqualTo("RegistrationNotConfigured");
                assertThat(status.condition("DomainRegistered").message()).contains("--admin-url");
            } finally {
                command.stop();
                running.join(30_000);
            }
            assertThat(exit.get()).isZero();
        } finally {
            server.destroy();
        }
    }
}
