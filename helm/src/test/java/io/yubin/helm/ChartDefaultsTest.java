package io.yubin.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.marcnuri.helm.LintResult;
import io.yubin.helm.Chart.Doc;
import io.yubin.helm.Chart.Rendered;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chart with its default values: what a plain {@code helm install yubin helm/yubin -n mail} would create. */
class ChartDefaultsTest {

    static Rendered r;

    @BeforeAll
    static void render() {
        r = Chart.render("");
    }

    @Test
    void lintStrictPassesWithNothingToSay() {
        LintResult lint = Chart.lint("");
        assertThat(lint.isFailed()).as(lint.getMessages().toString()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void rendersExactlyTheseObjects() {
        assertThat(r.names()).containsExactlyInAnyOrder(
                "ConfigMap/yubin-config", "Secret/yubin-admin-token", "Secret/yubin-credentials",
                "Service/yubin", "Service/yubin-hazelcast", "Service/yubin-admin", "Service/yubin-operator-metrics",
                "Deployment/yubin", "Deployment/yubin-operator", "PodDisruptionBudget/yubin",
                "ServiceAccount/yubin-operator", "Role/yubin-operator", "RoleBinding/yubin-operator",
                "NetworkPolicy/yubin", "NetworkPolicy/yubin-operator",
                "ConfigMap/yubin-clamav", "Service/yubin-clamav", "Deployment/yubin-clamav", "NetworkPolicy/yubin-clamav");
    }

    @Test
    void virusScanningByAClamdOfTheReleaseThatFreshclamKeepsCurrentAndOnlyTheFrontEndReaches() {
        assertThat(serverConfig(r).at("virus.clamd")).isEqualTo("yubin-clamav:3310");
        assertThat(r.get("Service", "yubin-clamav").docs("spec.ports")).singleElement().satisfies(p -> {
            assertThat(p.at("port")).isEqualTo(3310);
            assertThat(p.at("targetPort")).isEqualTo("clamd");
        });
        Doc pod = r.get("Deployment", "yubin-clamav").doc("spec.template.spec");
        // the signatures first (clamd does not start without them), then clamd and freshclam side by side
        assertThat(pod.docs("initContainers")).singleElement().satisfies(c -> {
            assertThat(c.at("image")).isEqualTo("clamav/clamav:1.4.3");
            assertThat(c.list("command")).last().asString().contains("freshclam --config-file=/etc/clamav-yubin/freshclam.conf");
        });
        List<Doc> containers = pod.docs("containers");
        assertThat(containers).extracting(c -> c.at("name")).containsExactly("clamd", "freshclam");
        Doc clamd = containers.get(0);
        assertThat(clamd.list("command")).containsExactly("clamd", "--foreground", "--config-file=/etc/clamav-yubin/clamd.conf");
        assertThat(clamd.at("startupProbe.tcpSocket.port")).isEqualTo("clamd");
        assertThat(clamd.at("readinessProbe.tcpSocket.port")).isEqualTo("clamd");
        assertThat(containers.get(1).list("command")).startsWith("freshclam", "--daemon", "--foreground");
        Map<String, Object> conf = Doc.asMap(r.get("ConfigMap", "yubin-clamav").at("data"));
        assertThat((String) conf.get("clamd.conf")).contains("TCPSocket 3310\n", "DatabaseDirectory /var/lib/clamav\n",
                "StreamMaxLength 32M\n", "ConcurrentDatabaseReload no\n");
        assertThat((String) conf.get("freshclam.conf")).contains("Checks 12\n", "TestDatabases no\n",
                "NotifyClamd /etc/clamav-yubin/clamd.conf\n");
        assertThat(r.get("NetworkPolicy", "yubin-clamav").docs("spec.ingress")).singleElement().satisfies(rule -> {
            assertThat(rule.docs("from")).singleElement().satisfies(f ->
                    assertThat(f.at("podSelector.matchLabels")).isEqualTo(selector("frontend")));
            assertThat(rule.docs("ports")).singleElement().satisfies(p -> assertThat(p.at("port")).isEqualTo(3310));
        });
    }

    @Test
    void everyObjectIsInTheReleaseNamespaceWithTheCommonLabels() {
        for (Map<String, Object> m : r.docs) {
            Doc d = new Doc(m);
            assertThat(d.at("metadata.namespace")).as(d.toString()).isEqualTo("mail");
            assertThat(Doc.asMap(d.at("metadata.labels"))).as(d.toString())
                    .containsEntry("app.kubernetes.io/instance", "yubin")
                    .containsEntry("app.kubernetes.io/part-of", "yubin")
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("app.kubernetes.io/version", "0.1.0")
                    .containsKey("app.kubernetes.io/component");
        }
    }

    @Test
    void everyDocumentReadsAsItsKubernetesTypeWithNoUnknownField() {
        for (Map<String, Object> doc : r.docs) {
            assertThat(KubernetesSchemaCheck.problems(doc)).isEmpty();
        }
    }

    @Test
    void selectorsMatchThePodsTheyMean() {
        ChartInvariants.selectorsMatch(r);
        Map<String, String> frontend = selector("frontend");
        Map<String, String> operator = selector("operator");
        assertThat(Doc.asMap(r.get("Deployment", "yubin").at("spec.selector.matchLabels"))).isEqualTo(frontend);
        assertThat(Doc.asMap(r.get("Deployment", "yubin-operator").at("spec.selector.matchLabels"))).isEqualTo(operator);
        for (String svc : List.of("yubin", "yubin-hazelcast", "yubin-admin")) {
            assertThat(Doc.asMap(r.get("Service", svc).at("spec.selector"))).as(svc).isEqualTo(frontend);
        }
        assertThat(Doc.asMap(r.get("Service", "yubin-operator-metrics").at("spec.selector"))).isEqualTo(operator);
        assertThat(Doc.asMap(r.get("PodDisruptionBudget", "yubin").at("spec.selector.matchLabels"))).isEqualTo(frontend);
        assertThat(Doc.asMap(r.get("NetworkPolicy", "yubin").at("spec.podSelector.matchLabels"))).isEqualTo(frontend);
        assertThat(Doc.asMap(r.get("NetworkPolicy", "yubin-operator").at("spec.podSelector.matchLabels"))).isEqualTo(operator);
    }

    static Map<String, String> selector(String component) {
        return Map.of("app.kubernetes.io/name", "yubin", "app.kubernetes.io/instance", "yubin",
                "app.kubernetes.io/component", component);
    }

    @Test
    void frontEndServesEveryPortOfItsConfiguration() throws Exception {
        Doc c = frontendContainer(r);
        Map<String, Object> ports = containerPorts(c);
        assertThat(ports).containsExactlyInAnyOrderEntriesOf(Map.of(
                "smtp", 2525, "submission", 2587, "submissions", 2465, "imap", 1143, "imaps", 1993,
                "pop3", 1110, "pop3s", 1995, "admin", 8080, "hazelcast", 5701, "mta-sts", 8443));
        Doc config = serverConfig(r);
        assertThat(config.at("smtp.mx-port")).isEqualTo(ports.get("smtp"));
        assertThat(config.at("smtp.submission-port")).isEqualTo(ports.get("submission"));
        assertThat(config.at("smtp.submissions-port")).isEqualTo(ports.get("submissions"));
        assertThat(config.at("imap.port")).isEqualTo(ports.get("imap"));
        assertThat(config.at("imap.tls-port")).isEqualTo(ports.get("imaps"));
        assertThat(config.at("pop3.port")).isEqualTo(ports.get("pop3"));
        assertThat(config.at("pop3.tls-port")).isEqualTo(ports.get("pop3s"));
        assertThat(config.at("admin.port")).isEqualTo(ports.get("admin"));
        assertThat(config.at("mta-sts.port")).isEqualTo(ports.get("mta-sts"));
        assertThat(config.at("mta-sts.enabled")).isEqualTo(true);
        assertThat(config.at("cluster.port")).isEqualTo(ports.get("hazelcast"));
        for (String host : List.of("admin.host", "smtp.host", "imap.host", "pop3.host")) {
            assertThat(config.at(host)).as(host).isEqualTo("0.0.0.0");
        }
        assertThat(config.at("cluster.enabled")).isEqualTo(true);
        assertThat(config.at("storage.backend")).isEqualTo("cassandra");
        assertThat(config.at("storage.blobs")).isEqualTo("s3");
        assertThat(config.at("storage.cassandra.contact-points")).isEqualTo("cassandra:9042");
        assertThat(config.at("storage.s3.endpoint")).isEqualTo("https://s3.us-east-1.amazonaws.com");
        for (String proxy : List.of("smtp.proxy-protocol", "imap.proxy-protocol", "pop3.proxy-protocol")) {
            assertThat(config.at(proxy)).as(proxy).isEqualTo(false);
        }
    }

    @Test
    void theServerIsPointedAtItsConfigAndItsPeers() {
        Doc c = frontendContainer(r);
        assertThat(c.list("args")).containsExactly("serve", "--config", "/etc/yubin/yubin.yaml");
        Doc pod = r.get("Deployment", "yubin").doc("spec.template.spec");
        Doc configMount = mount(c, "config");
        assertThat(configMount.at("mountPath")).isEqualTo("/etc/yubin/yubin.yaml");
        assertThat(configMount.at("subPath")).isEqualTo("yubin.yaml");
        assertThat(volume(pod, "config").at("configMap.name")).isEqualTo("yubin-config");

        Doc config = serverConfig(r);
        assertThat(config.at("cluster.kubernetes.service-dns")).isEqualTo("yubin-hazelcast.mail.svc.cluster.local");
        assertThat(config.at("data-dir")).isEqualTo(mount(c, "data").at("mountPath"));
        // every pod reads the same admin token, as <data-dir>/admin-token, from the Secret the operator reads
        Doc token = mount(c, "admin-token");
        assertThat(token.at("mountPath")).isEqualTo(config.at("data-dir") + "/admin-token");
        assertThat(token.at("subPath")).isEqualTo("token");
        assertThat(volume(pod, "admin-token").at("secret.secretName")).isEqualTo("yubin-admin-token");
        assertThat(r.get("Secret", "yubin-admin-token").at("data.token")).isNotNull();

        Map<String, Doc> env = env(c);
        assertThat(env.get("YUBIN_CLUSTER_BIND_ADDRESS").at("valueFrom.fieldRef.fieldPath")).isEqualTo("status.podIP");
        for (String[] e : new String[][] {{"YUBIN_STORAGE_S3_ACCESS_KEY", "s3-access-key"},
                {"YUBIN_STORAGE_S3_SECRET_KEY", "s3-secret-key"}, {"YUBIN_STORAGE_CASSANDRA_USERNAME", "cassandra-username"},
                {"YUBIN_STORAGE_CASSANDRA_PASSWORD", "cassandra-password"}}) {
            assertThat(env.get(e[0]).at("valueFrom.secretKeyRef.name")).as(e[0]).isEqualTo("yubin-credentials");
            assertThat(env.get(e[0]).at("valueFrom.secretKeyRef.key")).as(e[0]).isEqualTo(e[1]);
        }
    }

    @Test
    void everyConfigurationKeyAndEnvironmentVariableIsOneTheServerKnows() throws Exception {
        Set<String> known = ChartInvariants.serverKeys();
        Set<String> used = new TreeSet<>();
        ChartInvariants.flatten("", Doc.asMap(serverConfig(r).map), used);
        assertThat(known).containsAll(used);
        Set<String> knownEnv = new TreeSet<>();
        for (String key : known) {
            knownEnv.add("YUBIN_" + key.toUpperCase().replace('.', '_').replace('-', '_'));
        }
        assertThat(knownEnv).containsAll(env(frontendContainer(r)).keySet());
    }

    @Test
    void probesAskTheAdminPortsHealthPaths() {
        Doc c = frontendContainer(r);
        assertThat(c.at("livenessProbe.httpGet.path")).isEqualTo("/health/live");
        assertThat(c.at("livenessProbe.httpGet.port")).isEqualTo("admin");
        assertThat(c.at("readinessProbe.httpGet.path")).isEqualTo("/health/ready");
        assertThat(c.at("readinessProbe.httpGet.port")).isEqualTo("admin");
        assertThat(c.at("startupProbe.httpGet.path")).isEqualTo("/health/live");
        Doc op = r.get("Deployment", "yubin-operator").docs("spec.template.spec.containers").get(0);
        assertThat(op.at("livenessProbe.httpGet.path")).isEqualTo("/health/live");
        assertThat(op.at("livenessProbe.httpGet.port")).isEqualTo("metrics");
    }

    @Test
    void stoppingPodsGetTheirGracePeriodAndTheClusterStaysAvailable() {
        Doc d = r.get("Deployment", "yubin");
        assertThat(d.at("spec.replicas")).isEqualTo(3);
        assertThat(d.at("spec.strategy.rollingUpdate.maxUnavailable")).isEqualTo(0);
        int grace = (Integer) serverConfig(r).at("shutdown.grace-seconds");
        int preStop = (Integer) frontendContainer(r).at("lifecycle.preStop.sleep.seconds");
        assertThat(grace).isEqualTo(25);
        assertThat(preStop).isEqualTo(5);
        assertThat((Integer) d.at("spec.template.spec.terminationGracePeriodSeconds")).isGreaterThan(grace + preStop);
        Doc pdb = r.get("PodDisruptionBudget", "yubin");
        assertThat(pdb.at("spec.maxUnavailable")).isEqualTo(1);
        assertThat(pdb.at("spec.minAvailable")).isNull();
        List<Doc> spread = d.docs("spec.template.spec.topologySpreadConstraints");
        assertThat(spread).extracting(s -> s.at("topologyKey"))
                .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        assertThat(spread).extracting(s -> s.at("labelSelector.matchLabels")).containsOnly(selector("frontend"));
        assertThat(r.all("HorizontalPodAutoscaler")).isEmpty();
    }

    @Test
    void servicesMapTheStandardPortsAndDiscoveryIsHeadless() {
        Doc lb = r.get("Service", "yubin");
        assertThat(lb.at("spec.type")).isEqualTo("LoadBalancer");
        assertThat(lb.at("spec.externalTrafficPolicy")).isEqualTo("Local");
        Map<String, Object> mapped = new LinkedHashMap<>();
        for (Doc p : lb.docs("spec.ports")) {
            assertThat(p.at("name")).isEqualTo(p.at("targetPort"));
            assertThat(p.at("protocol")).isEqualTo("TCP");
            mapped.put((String) p.at("name"), p.at("port"));
        }
        assertThat(mapped).containsExactlyInAnyOrderEntriesOf(Map.of(
                "smtp", 25, "submission", 587, "submissions", 465, "imap", 143, "imaps", 993, "pop3", 110, "pop3s", 995,
                "mta-sts", 443));
        assertThat(lb.at("metadata.annotations")).isNull();

        Doc hz = r.get("Service", "yubin-hazelcast");
        assertThat(hz.at("spec.clusterIP")).isEqualTo("None");
        assertThat(hz.at("spec.publishNotReadyAddresses")).isEqualTo(true);
        assertThat(hz.docs("spec.ports")).singleElement().satisfies(p -> {
            assertThat(p.at("port")).isEqualTo(5701);
            assertThat(p.at("targetPort")).isEqualTo("hazelcast");
        });
        Doc admin = r.get("Service", "yubin-admin");
        assertThat(admin.at("spec.type")).isEqualTo("ClusterIP");
        assertThat(admin.docs("spec.ports")).singleElement().satisfies(p -> {
            assertThat(p.at("port")).isEqualTo(8080);
            assertThat(p.at("targetPort")).isEqualTo("admin");
        });
        ChartInvariants.servicePortsExist(r);
    }

    @Test
    void everyPodAndContainerIsLockedDownAndHasResources() {
        ChartInvariants.podsLockedDownWithResources(r);
        ChartInvariants.imagesPinned(r);
    }

    @Test
    void theOperatorHasExactlyTheLeastPrivilegeOfTheExampleAndElectsALeader() throws Exception {
        assertThat(ChartInvariants.grants(r.get("Role", "yubin-operator"))).containsExactlyInAnyOrder(
                "yubin.io/maildomains:get", "yubin.io/maildomains:list", "yubin.io/maildomains:watch",
                "yubin.io/maildomains:update", "yubin.io/maildomains:patch",
                "yubin.io/maildomains/status:get", "yubin.io/maildomains/status:update", "yubin.io/maildomains/status:patch",
                "/secrets:get", "/secrets:create", "/secrets:update", "/configmaps:get", "/configmaps:create",
                "/configmaps:update", "/services:get", "/services:list", "/services:watch", "/events:create",
                "coordination.k8s.io/leases:get", "coordination.k8s.io/leases:create", "coordination.k8s.io/leases:update");
        assertThat(r.all("ClusterRole")).isEmpty();
        assertThat(r.all("ClusterRoleBinding")).isEmpty();
        Doc binding = r.get("RoleBinding", "yubin-operator");
        assertThat(binding.at("roleRef.kind")).isEqualTo("Role");
        assertThat(binding.at("roleRef.name")).isEqualTo("yubin-operator");
        assertThat(binding.docs("subjects")).singleElement().satisfies(s -> {
            assertThat(s.at("kind")).isEqualTo("ServiceAccount");
            assertThat(s.at("name")).isEqualTo("yubin-operator");
            assertThat(s.at("namespace")).isEqualTo("mail");
        });
        Doc d = r.get("Deployment", "yubin-operator");
        assertThat(d.at("spec.replicas")).isEqualTo(2);
        assertThat(d.at("spec.template.spec.serviceAccountName")).isEqualTo("yubin-operator");
        Doc c = d.docs("spec.template.spec.containers").get(0);
        assertThat(c.list("args")).containsExactly("operator", "--admin-url", "http://yubin-admin:8080",
                "--admin-token-secret", "yubin-admin-token", "--admin-token-key", "token",
                "--lease-name", "yubin-operator", "--metrics-address", "0.0.0.0:9090");
        assertThat(env(c).get("POD_NAMESPACE").at("valueFrom.fieldRef.fieldPath")).isEqualTo("metadata.namespace");
        assertThat(env(c).get("HOSTNAME").at("valueFrom.fieldRef.fieldPath")).isEqualTo("metadata.name");
        // the front end's pods get no API token at all
        assertThat(r.get("Deployment", "yubin").at("spec.template.spec.automountServiceAccountToken")).isEqualTo(false);
    }

    @Test
    void networkPolicyAdmitsMailFromAnywhereHazelcastFromPeersAdminFromOperatorAndMonitoring() {
        Doc np = r.get("NetworkPolicy", "yubin");
        assertThat(np.list("spec.policyTypes")).containsExactly("Ingress");
        List<Doc> rules = np.docs("spec.ingress");
        assertThat(rules).hasSize(3);
        // mail: no "from", so every source
        assertThat(rules.get(0).at("from")).isNull();
        assertThat(ports(rules.get(0))).containsExactlyInAnyOrder(2525, 2587, 2465, 1143, 1993, 1110, 1995, 8443);
        // Hazelcast: the front-end pods only
        assertThat(ports(rules.get(1))).containsExactly(5701);
        assertThat(rules.get(1).docs("from")).singleElement().satisfies(f -> {
            assertThat(f.at("namespaceSelector")).isNull();
            assertThat(f.at("podSelector.matchLabels")).isEqualTo(selector("frontend"));
        });
        // admin: the operator's pods and the monitoring namespace
        assertThat(ports(rules.get(2))).containsExactly(8080);
        List<Doc> from = rules.get(2).docs("from");
        assertThat(from).hasSize(2);
        assertThat(from.get(0).at("podSelector.matchLabels")).isEqualTo(selector("operator"));
        assertThat(from.get(0).at("namespaceSelector")).isNull();
        assertThat(from.get(1).at("namespaceSelector.matchLabels")).isEqualTo(Map.of("kubernetes.io/metadata.name", "monitoring"));
        assertThat(from.get(1).at("podSelector")).isNull();
        // no other rule opens 5701 or 8080
        for (Doc rule : rules.subList(0, 1)) {
            assertThat(ports(rule)).doesNotContain(5701, 8080);
        }
        Doc op = r.get("NetworkPolicy", "yubin-operator");
        assertThat(op.docs("spec.ingress")).singleElement().satisfies(rule -> assertThat(ports(rule)).containsExactly(9090));
    }

    @Test
    void theCrdIsInTheChartAndTheOldPathLeadsToIt() throws Exception {
        Path crd = Chart.DIR.resolve("crds/maildomain.yaml");
        Path link = Path.of("../k8s/crds/maildomain.yaml");
        assertThat(Files.isRegularFile(crd)).isTrue();
        assertThat(Files.isSameFile(crd, link)).isTrue();
        Map<String, Object> doc = Chart.YAML.readValue(crd.toFile(), new TypeReference<>() { });
        assertThat(KubernetesSchemaCheck.typed(doc).getKind()).isEqualTo("CustomResourceDefinition");
        assertThat(new Doc(doc).at("spec.names.kind")).isEqualTo("MailDomain");
        assertThat(new Doc(doc).at("spec.scope")).isEqualTo("Namespaced");
    }

    // --- helpers shared with the other tests ---

    static Doc frontendContainer(Rendered r) {
        List<Doc> containers = r.get("Deployment", "yubin").docs("spec.template.spec.containers");
        assertThat(containers).extracting(c -> c.at("name")).containsExactly("yubin");
        return containers.get(0);
    }

    static Doc serverConfig(Rendered r) {
        try {
            String text = (String) r.get("ConfigMap", "yubin-config").at("data.yubin.yaml");
            // "yubin.yaml" holds a dot: read the data map directly
            if (text == null) {
                text = (String) Doc.asMap(r.get("ConfigMap", "yubin-config").at("data")).get("yubin.yaml");
            }
            return new Doc(Chart.YAML.readValue(text, new TypeReference<Map<String, Object>>() { }));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Map<String, Object> containerPorts(Doc c) {
        Map<String, Object> ports = new HashMap<>();
        for (Doc p : c.docs("ports")) {
            assertThat(p.at("protocol")).isEqualTo("TCP");
            ports.put((String) p.at("name"), p.at("containerPort"));
        }
        return ports;
    }

    static Doc mount(Doc container, String volume) {
        return container.docs("volumeMounts").stream().filter(m -> volume.equals(m.at("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no mount of " + volume));
    }

    static Doc volume(Doc pod, String name) {
        return pod.docs("volumes").stream().filter(v -> name.equals(v.at("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    static Map<String, Doc> env(Doc container) {
        Map<String, Doc> env = new LinkedHashMap<>();
        for (Doc e : container.docs("env")) {
            env.put((String) e.at("name"), e);
        }
        return env;
    }

    static List<Object> ports(Doc rule) {
        List<Object> ports = new ArrayList<>();
        for (Doc p : rule.docs("ports")) {
            assertThat(p.at("protocol")).isEqualTo("TCP");
            ports.add(p.at("port"));
        }
        return ports;
    }
}
