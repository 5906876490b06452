package io.yubin.helm;

import static io.yubin.helm.ChartDefaultsTest.env;
import static io.yubin.helm.ChartDefaultsTest.frontendContainer;
import static io.yubin.helm.ChartDefaultsTest.mount;
import static io.yubin.helm.ChartDefaultsTest.selector;
import static io.yubin.helm.ChartDefaultsTest.serverConfig;
import static io.yubin.helm.ChartDefaultsTest.volume;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.marcnuri.helm.LintResult;
import io.yubin.helm.Chart.Doc;
import io.yubin.helm.Chart.Rendered;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart over other value sets: each is linted (--strict), rendered, and checked as the defaults are. */
class ChartValueSetsTest {

    static Rendered renderAndLint(String values) {
        LintResult lint = Chart.lint(values);
        assertThat(lint.isFailed()).as(lint.getMessages().toString()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
        Rendered r = Chart.render(values);
        ChartInvariants.all(r);
        return r;
    }

    @Test
    void inChartCassandraAndMinioForTryingOut() throws Exception {
        Rendered r = renderAndLint("""
                hostname: mail.example.com
                cassandra: {inChart: {enabled: true}}
                s3: {inChart: {enabled: true, rootPassword: trying-it-out}}
                """);
        Doc sts = r.get("StatefulSet", "yubin-cassandra");
        assertThat(sts.at("metadata.annotations")).asString().contains("not-for-production");
        assertThat(sts.at("spec.replicas")).isEqualTo(1);
        Doc cassandra = sts.docs("spec.template.spec.containers").get(0);
        assertThat(cassandra.at("image")).isEqualTo("cassandra:5.0.9");
        assertThat(r.get("Service", "yubin-cassandra").docs("spec.ports").get(0).at("port")).isEqualTo(9042);
        Doc minio = r.get("Deployment", "yubin-minio");
        assertThat(minio.at("metadata.annotations")).asString().contains("not-for-production");
        assertThat(minio.docs("spec.template.spec.containers").get(0).at("image"))
                .isEqualTo("minio/minio:RELEASE.2025-09-07T16-13-09Z");
        assertThat(r.get("Service", "yubin-minio").docs("spec.ports").get(0).at("port")).isEqualTo(9000);

        Doc config = serverConfig(r);
        assertThat(config.at("storage.cassandra.contact-points")).isEqualTo("yubin-cassandra:9042");
        assertThat(config.at("storage.cassandra.replication")).asString().contains("SimpleStrategy");
        assertThat(config.at("storage.s3.endpoint")).isEqualTo("http://yubin-minio:9000");
        assertThat(config.at("storage.s3.path-style")).isEqualTo(true);
        assertThat(config.at("storage.s3.create-bucket")).isEqualTo(true);
        assertThat(config.at("smtp.hostname")).isEqualTo("mail.example.com");
        assertThat(config.at("tls.hostname")).isEqualTo("mail.example.com");
        // MinIO's root user is what the server signs with
        Map<String, Object> data = Doc.asMap(r.get("Secret", "yubin-credentials").at("data"));
        assertThat(decode(data.get("s3-access-key"))).isEqualTo("yubin");
        assertThat(decode(data.get("s3-secret-key"))).isEqualTo("trying-it-out");
        Map<String, Doc> minioEnv = env(minio.docs("spec.template.spec.containers").get(0));
        assertThat(minioEnv.get("MINIO_ROOT_USER").at("valueFrom.secretKeyRef.key")).isEqualTo("s3-access-key");
        assertThat(minioEnv.get("MINIO_ROOT_PASSWORD").at("valueFrom.secretKeyRef.key")).isEqualTo("s3-secret-key");
        // reachable from the front end only
        for (String name : List.of("yubin-cassandra", "yubin-minio")) {
            Doc np = r.get("NetworkPolicy", name);
            assertThat(np.docs("spec.ingress")).singleElement().satisfies(rule ->
                    assertThat(rule.docs("from")).singleElement().satisfies(f ->
                            assertThat(f.at("podSelector.matchLabels")).isEqualTo(selector("frontend"))));
        }
        // and said to be for trying out only, where a user reads
        assertThat(Files.readString(Chart.DIR.resolve("templates/NOTES.txt"))).contains("NOT FOR PRODUCTION");
        assertThat(Files.readString(Chart.DIR.resolve("values.yaml"))).containsPattern(
                "NOT FOR PRODUCTION: one Cassandra node[\\s\\S]*NOT FOR PRODUCTION: one MinIO server");
    }

    @Test
    void aClientSideDryRunInstallSucceedsAndItsNotesWarnWhereTheyShould() {
        String plain = Chart.dryRunInstall("hostname: mail.example.com");
        assertThat(plain).contains("kubectl -n mail rollout status deployment/yubin")
                .contains("addressesFrom.service: yubin")
                .contains("get secret yubin-admin-token")
                .doesNotContain("NOT FOR PRODUCTION").doesNotContain("hostname is empty");
        String trying = Chart.dryRunInstall("cassandra: {inChart: {enabled: true}}\ns3: {inChart: {enabled: true}}\n"
                + "service: {proxyProtocol: hetzner}");
        assertThat(trying).contains("*** NOT FOR PRODUCTION ***")
                .contains("cassandra.inChart is on").contains("s3.inChart is on")
                .contains("hostname is empty")
                .contains("PROXY protocol (hetzner) is on");
    }

    @Test
    void operatorOff() {
        Rendered r = renderAndLint("operator: {enabled: false}");
        assertThat(r.names()).noneMatch(n -> n.contains("operator"));
        assertThat(r.all("Role")).isEmpty();
        assertThat(r.all("ServiceAccount")).isEmpty();
        assertThat(r.has("Deployment", "yubin")).isTrue();
    }

    @Test
    void operatorRbacForExternalDnsAndCertManagerIsExactlyTheExampleRole() throws Exception {
        Rendered r = renderAndLint("operator: {rbac: {externalDns: true, certManager: true}}");
        String example = Files.readString(Path.of("../k8s/examples/operator.yaml"));
        Doc exampleRole = null;
        try (var parser = Chart.YAML.getFactory().createParser(example)) {
            var it = Chart.YAML.readValues(parser, new TypeReference<Map<String, Object>>() { });
            while (it.hasNext()) {
                Doc d = new Doc(it.next());
                if ("Role".equals(d.kind())) {
                    exampleRole = d;
                }
            }
        }
        assertThat(exampleRole).isNotNull();
        assertThat(ChartInvariants.grants(r.get("Role", "yubin-operator"))).isEqualTo(ChartInvariants.grants(exampleRole));
    }

    @Test
    void clamavOffLeavesVirusScanningToAClamdOfYourOwn() {
        Rendered off = renderAndLint("clamav: {enabled: false}");
        assertThat(off.names()).noneMatch(n -> n.contains("clamav"));
        assertThat(serverConfig(off).at("virus")).isNull();
        Rendered own = renderAndLint("""
                clamav: {enabled: false}
                frontend: {config: {virus: {clamd: "clamd.antivirus:3310", fail-open: true}}}
                """);
        assertThat(serverConfig(own).at("virus.clamd")).isEqualTo("clamd.antivirus:3310");
        assertThat(serverConfig(own).at("virus.fail-open")).isEqualTo(true);
        Rendered tuned = renderAndLint("clamav: {checksPerDay: 24, streamMaxLength: 64M}");
        Map<String, Object> conf = Doc.asMap(tuned.get("ConfigMap", "yubin-clamav").at("data"));
        assertThat((String) conf.get("clamd.conf")).contains("StreamMaxLength 64M\n");
        assertThat((String) conf.get("freshclam.conf")).contains("Checks 24\n");
    }

    @Test
    void networkPolicyOff() {
        Rendered r = renderAndLint("networkPolicy: {enabled: false}");
        assertThat(r.all("NetworkPolicy")).isEmpty();
    }

    @Test
    void autoscalingOn() {
        Rendered r = renderAndLint("frontend: {autoscaling: {enabled: true, minReplicas: 3, maxReplicas: 12}}");
        Doc hpa = r.get("HorizontalPodAutoscaler", "yubin");
        assertThat(hpa.at("apiVersion")).isEqualTo("autoscaling/v2");
        assertThat(hpa.at("spec.scaleTargetRef.kind")).isEqualTo("Deployment");
        assertThat(hpa.at("spec.scaleTargetRef.name")).isEqualTo("yubin");
        assertThat(hpa.at("spec.minReplicas")).isEqualTo(3);
        assertThat(hpa.at("spec.maxReplicas")).isEqualTo(12);
        assertThat(hpa.at("spec.metrics.0.resource.name")).isEqualTo("cpu");
        // the HPA owns the replica count
        assertThat(r.get("Deployment", "yubin").at("spec.replicas")).isNull();
    }

    @Test
    void serviceMonitorOn() {
        Rendered r = renderAndLint("serviceMonitor: {enabled: true, labels: {release: prometheus}}");
        Doc sm = r.get("ServiceMonitor", "yubin");
        assertThat(sm.at("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(Doc.asMap(sm.at("metadata.labels"))).containsEntry("release", "prometheus");
        assertThat(sm.list("spec.namespaceSelector.matchNames")).containsExactly("mail");
        // its selector picks exactly the admin Service and the operator's metrics Service
        List<String> selected = r.all("Service").stream().filter(s -> selects(sm, s)).map(Doc::name).toList();
        assertThat(selected).containsExactlyInAnyOrder("yubin-admin", "yubin-operator-metrics");
        assertThat(sm.docs("spec.endpoints")).extracting(e -> e.at("port") + " " + e.at("path"))
                .containsExactlyInAnyOrder("admin /metrics", "metrics /metrics");
        assertThat(r.get("Service", "yubin-admin").docs("spec.ports")).extracting(p -> p.at("name")).contains("admin");
        assertThat(r.get("Service", "yubin-operator-metrics").docs("spec.ports")).extracting(p -> p.at("name")).contains("metrics");
        assertThat(KubernetesSchemaCheck.problems(sm.map)).containsExactly("ServiceMonitor: not a type of the Kubernetes model");
    }

    private static boolean selects(Doc sm, Doc service) {
        Map<String, Object> labels = Doc.asMap(service.at("metadata.labels"));
        for (Doc e : sm.docs("spec.selector.matchExpressions")) {
            assertThat(e.at("operator")).isEqualTo("In");
            if (!e.list("values").contains(labels.get((String) e.at("key")))) {
                return false;
            }
        }
        return true;
    }

    @Test
    void proxyProtocolOnAwsTurnsOnTheServersProxyKeysTogether() {
        Rendered r = renderAndLint("service: {proxyProtocol: aws, externalTrafficPolicy: Cluster}");
        Doc lb = r.get("Service", "yubin");
        assertThat(Doc.asMap(lb.at("metadata.annotations")))
                .containsEntry("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol", "*")
                .containsEntry("service.beta.kubernetes.io/aws-load-balancer-type", "external");
        assertThat(lb.at("spec.externalTrafficPolicy")).isEqualTo("Cluster");
        Doc config = serverConfig(r);
        for (String key : List.of("smtp.proxy-protocol", "imap.proxy-protocol", "pop3.proxy-protocol")) {
            assertThat(config.at(key)).as(key).isEqualTo(true);
        }
    }

    @Test
    void everyProxyProtocolProviderGetsAnnotations() {
        for (String provider : List.of("digitalocean", "hetzner", "linode", "scaleway")) {
            Rendered r = renderAndLint("service: {proxyProtocol: " + provider + "}");
            assertThat(Doc.asMap(r.get("Service", "yubin").at("metadata.annotations"))).as(provider).isNotEmpty();
            assertThat(serverConfig(r).at("imap.proxy-protocol")).as(provider).isEqualTo(true);
        }
        Rendered custom = renderAndLint("service: {proxyProtocol: custom, annotations: {example.com/proxy: v2}}");
        assertThat(Doc.asMap(custom.get("Service", "yubin").at("metadata.annotations"))).containsOnlyKeys("example.com/proxy");
        assertThat(serverConfig(custom).at("smtp.proxy-protocol")).isEqualTo(true);
    }

    @Test
    void existingSecretsTlsDkimDigestAndExtraConfig() throws Exception {
        String digest = "sha256:" + "ab".repeat(32);
        Rendered r = renderAndLint("""
                image: {digest: "%s"}
                admin: {existingSecret: mail-admin}
                credentials: {existingSecret: mail-storage}
                tls: {existingSecret: example-com-tls}
                dkim: {domains: [{domain: example.com, secretName: example-com-dkim}]}
                mtaSts: {configMaps: [example-com-mta-sts, example-org-mta-sts]}
                frontend:
                  config: {mailauth: {enabled: true}, smtp: {max-message-size: 26214400}}
                  podDisruptionBudget: {maxUnavailable: null, minAvailable: 2}
                  containerPorts: {mx: 10025}
                """.formatted(digest));
        assertThat(r.all("Secret")).isEmpty();
        Doc c = frontendContainer(r);
        assertThat(c.at("image")).isEqualTo("registry.example/yubin@" + digest);
        assertThat(r.get("Deployment", "yubin-operator").at("spec.template.spec.containers.0.image"))
                .isEqualTo("registry.example/yubin@" + digest);
        Doc pod = r.get("Deployment", "yubin").doc("spec.template.spec");
        assertThat(volume(pod, "admin-token").at("secret.secretName")).isEqualTo("mail-admin");
        assertThat(env(c).get("YUBIN_STORAGE_S3_SECRET_KEY").at("valueFrom.secretKeyRef.name")).isEqualTo("mail-storage");
        assertThat(r.get("Deployment", "yubin-operator").list("spec.template.spec.containers.0.args"))
                .containsSequence("--admin-token-secret", "mail-admin");
        Doc config = serverConfig(r);
        assertThat(mount(c, "tls").at("mountPath")).isEqualTo("/etc/yubin/tls");
        assertThat(volume(pod, "tls").at("secret.secretName")).isEqualTo("example-com-tls");
        assertThat(config.at("tls.cert-file")).isEqualTo("/etc/yubin/tls/tls.crt");
        assertThat(config.at("tls.key-file")).isEqualTo("/etc/yubin/tls/tls.key");
        assertThat(config.at("dkim.keys-directory")).isEqualTo("/etc/yubin/dkim");
        assertThat(mount(c, "dkim-0").at("mountPath")).isEqualTo("/etc/yubin/dkim/example.com");
        assertThat(volume(pod, "dkim-0").at("secret.secretName")).isEqualTo("example-com-dkim");
        assertThat(config.at("mailauth.enabled")).isEqualTo(true);
        assertThat(config.at("smtp.max-message-size")).isEqualTo(26214400);
        assertThat(config.at("smtp.mx-port")).isEqualTo(10025);
        assertThat(config.at("smtp.host")).isEqualTo("0.0.0.0");
        assertThat(r.get("PodDisruptionBudget", "yubin").at("spec.minAvailable")).isEqualTo(2);
        assertThat(r.get("PodDisruptionBudget", "yubin").at("spec.maxUnavailable")).isNull();
        assertThat(r.get("NetworkPolicy", "yubin").list("spec.ingress.0.ports")).hasSize(8)
                .anySatisfy(p -> assertThat(Doc.asMap(p)).containsEntry("port", 10025));
        // the operator's MTA-STS ConfigMaps projected into the one policies directory
        assertThat(mount(c, "mta-sts").at("mountPath")).isEqualTo("/etc/yubin/mta-sts");
        assertThat(volume(pod, "mta-sts").list("projected.sources")).extracting(s -> Doc.asMap(s).get("configMap"))
                .containsExactly(Map.of("name", "example-com-mta-sts"), Map.of("name", "example-org-mta-sts"));
        assertThat(config.at("mta-sts.policies-directory")).isEqualTo("/etc/yubin/mta-sts");
    }

    @Test
    void generatedSecretsAreMadeOnceAndKeptAcrossUpgrades() {
        // install: nothing in the cluster, so a new random token (43 characters, 256 bits)
        Rendered first = Chart.render("s3: {inChart: {enabled: true}}");
        String token = decode(first.get("Secret", "yubin-admin-token").at("data.token"));
        assertThat(token).hasSize(43).matches("[A-Za-z0-9]+");
        assertThat(decode(Doc.asMap(first.get("Secret", "yubin-credentials").at("data")).get("s3-secret-key"))).hasSize(32);
        assertThat(FakeApiServer.INSTANCE.requests).contains("GET /api/v1/namespaces/mail/secrets/yubin-admin-token");
        // upgrade: the Secrets exist, so the chart keeps their values
        try {
            FakeApiServer.INSTANCE.putSecret("mail", "yubin-admin-token", Map.of("token", "kept-token-kept-token-kept-token-kept"));
            FakeApiServer.INSTANCE.putSecret("mail", "yubin-credentials",
                    Map.of("s3-access-key", "yubin", "s3-secret-key", "kept-minio-password"));
            Rendered upgrade = Chart.render("s3: {inChart: {enabled: true}}");
            assertThat(decode(upgrade.get("Secret", "yubin-admin-token").at("data.token")))
                    .isEqualTo("kept-token-kept-token-kept-token-kept");
            assertThat(decode(Doc.asMap(upgrade.get("Secret", "yubin-credentials").at("data")).get("s3-secret-key")))
                    .isEqualTo("kept-minio-password");
            // a token given in the values wins
            Rendered given = Chart.render("admin: {token: given-token-given-token-given-token-00}");
            assertThat(decode(given.get("Secret", "yubin-admin-token").at("data.token")))
                    .isEqualTo("given-token-given-token-given-token-00");
        } finally {
            FakeApiServer.INSTANCE.clear();
        }
    }

    @Test
    void theKubernetesTypeCheckCatchesAFieldNoTypeHas() {
        // extraEnv items are free-form in the schema; the typed check is what catches this
        Rendered r = Chart.render("frontend: {extraEnv: [{name: JAVA_OPTS, valu: -Xmx1g}]}");
        assertThat(KubernetesSchemaCheck.problems(r.get("Deployment", "yubin").map))
                .singleElement().asString().contains("unknown field(s) [valu]").contains("EnvVar");
    }

    private static String decode(Object base64) {
        return new String(Base64.getDecoder().decode((String) base64), java.nio.charset.StandardCharsets.UTF_8);
    }
}
