package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.yubin.operator.OperatorSettings;
import io.yubin.operator.crd.MailDomain;
import io.yubin.store.AccountLockout;
import io.yubin.store.Accounts;
import io.yubin.store.AdminAccounts;
import io.yubin.store.PasswordHasher;
import io.yubin.store.PasswordPolicy;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.web.AdminServer;
import io.yubin.web.Metrics;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real parts for the reconciler: Fabric8's mock API server in CRUD mode with the real CRD applied,
 * BIND 9 authoritative for the test zones with a TSIG key, and the real admin API over an
 * embedded store.
 */
final class TestBed implements AutoCloseable {

    static final String ADMIN_TOKEN = "operator-test-token-0123456789";
    static final Bind9Server.UpdateKey KEY = Bind9Server.UpdateKey.random("yubin-operator");
    /** Records added to every zone by hand, which the operator must leave alone. */
    static final String HAND_MADE = """
            @        IN MX  5 backup.example.net.
            @        IN TXT "site-verification=abc"
            _dmarc   IN TXT "v=DMARC1; p=reject; rua=mailto:someone@example.net"
            """;

    final KubernetesMockServer server;
    final KubernetesClient client;
    final Bind9Server named;
    final Metrics metrics;
    final Vertx vertx;
    final Storage storage;
    final Accounts accounts;
    final AdminAccounts admins;
    final AdminServer admin;

    TestBed(Path dir, List<String> zones) throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        client = server.createClient();
        client.apiextensions().v1().customResourceDefinitions().resource(Serialization.unmarshal(
                Files.readString(Path.of("../../k8s/crds/maildomain.yaml")), CustomResourceDefinition.class)).create();

        Map<String, String> zoneFiles = new HashMap<>();
        for (String zone : zones) {
            zoneFiles.put(zone, "$TTL 300\n@ IN SOA ns1 hostmaster ( 1 3600 600 86400 300 )\n@ IN NS ns1\n"
                    + "ns1 IN A 127.0.0.1\n" + HAND_MADE);
        }
        Path dns = Files.createDirectories(dir.resolve("named"));
        named = new Bind9Server(dns, zoneFiles, KEY);

        metrics = new Metrics();
        vertx = metrics.vertxBuilder(new VertxOptions()).build();
        storage = EmbeddedStorage.open(Files.createDirectories(dir.resolve("store")));
        accounts = new Accounts(storage.directory(), storage.mailboxes(), storage.accountLocks(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT);
        PasswordHasher hasher = new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1));
        admins = new AdminAccounts(storage.administrators(),
                new AccountLockout(storage.accountLocks(), AccountLockout.Policy.DEFAULT), hasher,
                PasswordPolicy.DEFAULT, AdminAccounts.DEFAULT_SESSION_LENGTH, Clock.systemUTC());
        admin = AdminServer.start(vertx, new AdminServer.Options("127.0.0.1", 0, ADMIN_TOKEN), accounts, admins,
                storage.spool(), List.of(), metrics).await(20, TimeUnit.SECONDS);
    }

    URI adminUrl() {
        return URI.create("http://127.0.0.1:" + admin.actualPort());
    }

    OperatorSettings settings(String namespace) {
        return OperatorSettings.defaults(namespace, adminUrl(), "test").withDnsTimeout(Duration.ofSeconds(2));
    }

    /** The Secrets and the LoadBalancer Service a namespace of the example needs. */
    void prepareNamespace(String namespace) {
        client.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata().withName("dns-tsig")
                .endMetadata().addToStringData("secret", KEY.secret()).build()).create();
        client.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata()
                .withName(OperatorSettings.DEFAULT_ADMIN_TOKEN_SECRET).endMetadata()
                .addToStringData(OperatorSettings.DEFAULT_ADMIN_TOKEN_KEY, ADMIN_TOKEN).build()).create();
        Service service = new ServiceBuilder().withNewMetadata().withName("yubin").endMetadata()
                .withNewSpec().withType("LoadBalancer").endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("192.0.2.10").endIngress()
                .addNewIngress().withIp("2001:db8::10").endIngress().endLoadBalancer().endStatus().build();
        Service created = client.services().inNamespace(namespace).resource(service).create();
        if (created.getStatus() == null || created.getStatus().getLoadBalancer() == null
                || created.getStatus().getLoadBalancer().getIngress() == null
                || created.getStatus().getLoadBalancer().getIngress().isEmpty()) {
            created.setStatus(service.getStatus());
            client.services().inNamespace(namespace).resource(created).updateStatus();
        }
    }

    /** A MailDomain publishing to {@code zone} on this bind9, from its YAML spec lines (indented by 2). */
    MailDomain create(String namespace, String name, String specYaml) {
        String yaml = "apiVersion: yubin.io/v1alpha1\nkind: MailDomain\nmetadata:\n  name: " + name
                + "\n  namespace: " + namespace + "\nspec:\n" + specYaml;
        return client.resource(Serialization.unmarshal(yaml, MailDomain.class)).create();
    }

    String rfc2136(String zone) {
        return "  dns:\n    provider: rfc2136\n    ttl: 300\n    rfc2136:\n      server: 127.0.0.1\n      port: "
                + named.address().getPort() + "\n      zone: " + zone + "\n      tsig:\n        keyName: " + KEY.name()
                + "\n        secretRef:\n          name: dns-tsig\n";
    }

    MailDomain get(String namespace, String name) {
        return client.resources(MailDomain.class).inNamespace(namespace).withName(name).get();
    }

    @Override
    public void close() throws Exception {
        try {
            client.close();
            server.destroy();
            named.close();
        } finally {
            admin.close().await(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
            accounts.close();
            admins.close();
            storage.close();
            metrics.close();
        }
    }
}
