package io.yubin.helm;

import static io.yubin.helm.ChartDefaultsTest.frontendContainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.helm.Chart.Doc;
import io.yubin.helm.Chart.Rendered;
import io.yubin.server.config.ConfigException;
import io.yubin.server.config.ConfigLoader;
import io.yubin.server.config.ServerConfig;
import io.yubin.server.Yubin;
import io.yubin.server.cli.PasswordInput;
import java.util.List;
import picocli.CommandLine.ParseResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Render, then load: the front-end container's configuration file and environment, as the chart
 * renders them, go through the server's own {@link ConfigLoader} (the code {@code yubin serve
 * --config} runs at start), so a key the server does not know, a wrong type or a cluster setting
 * it refuses fails here instead of in a crash-looping pod.
 */
class RenderedConfigLoadsTest {

    static final String POD_IP = "10.1.2.3";

    /** The container's YUBIN_* environment as the kubelet would give it: the pod IP, Secret keys as placeholders. */
    static Map<String, String> environment(Doc container) {
        Map<String, String> env = new HashMap<>();
        for (Doc e : container.docs("env")) {
            String name = (String) e.at("name");
            if (e.at("value") != null) {
                env.put(name, String.valueOf(e.at("value")));
            } else if ("status.podIP".equals(e.at("valueFrom.fieldRef.fieldPath"))) {
                env.put(name, POD_IP);
            } else if (e.at("valueFrom.secretKeyRef") != null) {
                env.put(name, "from-secret-" + e.at("valueFrom.secretKeyRef.key"));
            }
        }
        return env;
    }

    /**
     * What the kubelet adds unless the pod says {@code enableServiceLinks: false}: for every Service
     * of the namespace, NAME_SERVICE_HOST, NAME_PORT and the like. For the Service "yubin-admin" that
     * is YUBIN_ADMIN_PORT=tcp://..., which the server would read as admin.port and refuse.
     */
    static Map<String, String> serviceLinks(Rendered r) {
        Map<String, String> env = new HashMap<>();
        if (Boolean.FALSE.equals(r.get("Deployment", "yubin").at("spec.template.spec.enableServiceLinks"))) {
            return env;
        }
        for (Doc service : r.all("Service")) {
            if ("None".equals(service.at("spec.clusterIP"))) {
                continue;
            }
            String name = service.name().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            env.put(name + "_SERVICE_HOST", "10.96.0.10");
            Doc first = service.docs("spec.ports").get(0);
            env.put(name + "_SERVICE_PORT", String.valueOf(first.at("port")));
            env.put(name + "_PORT", "tcp://10.96.0.10:" + first.at("port"));
            for (Doc port : service.docs("spec.ports")) {
                String prefix = name + "_PORT_" + port.at("port") + "_TCP";
                env.put(prefix, "tcp://10.96.0.10:" + port.at("port"));
                env.put(prefix + "_PROTO", "tcp");
                env.put(prefix + "_PORT", String.valueOf(port.at("port")));
                env.put(prefix + "_ADDR", "10.96.0.10");
            }
        }
        return env;
    }

    static ServerConfig load(Rendered r) throws Exception {
        Doc c = frontendContainer(r);
        String yaml = (String) Doc.asMap(r.get("ConfigMap", "yubin-config").at("data")).get("yubin.yaml");
        Path file = Files.createTempFile("yubin-", ".yaml");
        try {
            Files.writeString(file, yaml);
            Map<String, String> env = serviceLinks(r);
            env.putAll(environment(c));
            return ConfigLoader.load(file, env);
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void theDefaultRenderingLoads() throws Exception {
        Rendered r = Chart.render("");
        ServerConfig config = load(r);
        Map<String, Object> ports = ChartDefaultsTest.containerPorts(frontendContainer(r));
        assertThat(config.smtp().mxPort()).isEqualTo(ports.get("smtp"));
        assertThat(config.smtp().submissionPort()).isEqualTo(ports.get("submission"));
        assertThat(config.smtp().submissionsPort()).isEqualTo(ports.get("submissions"));
        assertThat(config.imap().port()).isEqualTo(ports.get("imap"));
        assertThat(config.imap().tlsPort()).isEqualTo(ports.get("imaps"));
        assertThat(config.pop3().port()).isEqualTo(ports.get("pop3"));
        assertThat(config.pop3().tlsPort()).isEqualTo(ports.get("pop3s"));
        assertThat(config.admin().port()).isEqualTo(ports.get("admin"));
        assertThat(config.admin().host()).isEqualTo("0.0.0.0");
        assertThat(config.cluster().enabled()).isTrue();
        assertThat(config.cluster().port()).isEqualTo(ports.get("hazelcast"));
        assertThat(config.cluster().bindAddress()).isEqualTo(POD_IP);
        assertThat(config.cluster().kubernetes().serviceDns()).isEqualTo("yubin-hazelcast.mail.svc.cluster.local");
        assertThat(config.dataDir()).hasToString("/var/lib/yubin");
        assertThat(config.shutdown().graceSeconds()).isEqualTo(25);
        assertThat(config.storage().s3().secretKey()).isEqualTo("from-secret-s3-secret-key");
        assertThat(config.storage().cassandra().contactPoints()).isEqualTo("cassandra:9042");
        assertThat(config.smtp().proxyProtocol()).isFalse();
    }

    @Test
    void everyValueSetRenderingLoads() throws Exception {
        for (String values : new String[] {
                "hostname: mail.example.com\ncassandra: {inChart: {enabled: true}}\ns3: {inChart: {enabled: true}}",
                "service: {proxyProtocol: aws}",
                "tls: {existingSecret: example-com-tls}\ndkim: {domains: [{domain: example.com, secretName: example-com-dkim}]}",
                "frontend: {config: {mailauth: {enabled: true}, delivery: {workers: 8}}, extraEnv: [{name: YUBIN_SMTP_MAX_RECIPIENTS, value: '50'}]}",
                "cassandra: {username: yubin, password: secret}\ns3: {accessKey: a, secretKey: b}",
        }) {
            assertThat(load(Chart.render(values))).as(values).isNotNull();
        }
    }

    @Test
    void bothContainersArgumentsAreCommandsAndOptionsOfTheYubinExecutable() {
        Rendered r = Chart.render("");
        List<String> serve = frontendContainer(r).list("args").stream().map(String::valueOf).toList();
        ParseResult parsed = Yubin.commandLine(PasswordInput.system()).parseArgs(serve.toArray(String[]::new));
        assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("serve");
        assertThat(parsed.subcommand().matchedOptionValue("--config", (Object) null)).hasToString("/etc/yubin/yubin.yaml");

        List<String> operator = r.get("Deployment", "yubin-operator").list("spec.template.spec.containers.0.args")
                .stream().map(String::valueOf).toList();
        ParseResult op = Yubin.commandLine(PasswordInput.system()).parseArgs(operator.toArray(String[]::new)).subcommand();
        assertThat(op.commandSpec().name()).isEqualTo("operator");
        assertThat(op.matchedOptionValue("--admin-url", (Object) null)).hasToString("http://yubin-admin:8080");
        assertThat(op.matchedOptionValue("--admin-token-secret", (Object) null)).hasToString("yubin-admin-token");
        assertThat(op.matchedOptionValue("--admin-token-key", (Object) null)).hasToString("token");
        assertThat(op.matchedOptionValue("--lease-name", (Object) null)).hasToString("yubin-operator");
        assertThat(op.matchedOptionValue("--metrics-address", (Object) null)).hasToString("0.0.0.0:9090");
    }

    @Test
    void serviceLinkVariablesWouldStopTheServerSoThePodHasNone() {
        Rendered r = Chart.render("");
        assertThat(r.get("Deployment", "yubin").at("spec.template.spec.enableServiceLinks")).isEqualTo(false);
        // the same rendering with the kubelet's default: the server refuses to start
        r.get("Deployment", "yubin").doc("spec.template.spec").map.put("enableServiceLinks", true);
        assertThat(serviceLinks(r)).containsKey("YUBIN_ADMIN_PORT");
        assertThatThrownBy(() -> load(r)).isInstanceOf(ConfigException.class).hasMessageContaining("YUBIN_");
    }

    @Test
    void aKeyTheServerDoesNotKnowFailsAsItWouldAtStart() {
        Rendered r = Chart.render("frontend: {config: {smtp: {mxport: 25}}}");
        assertThatThrownBy(() -> load(r)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown configuration key \"smtp.mxport\"");
        Rendered env = Chart.render("frontend: {extraEnv: [{name: YUBIN_SMTP_PROT, value: '25'}]}");
        assertThatThrownBy(() -> load(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("YUBIN_SMTP_PROT");
    }
}
