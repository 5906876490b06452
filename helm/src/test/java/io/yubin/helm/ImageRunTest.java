package io.yubin.helm;

import static io.yubin.helm.ChartDefaultsTest.frontendContainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.yubin.helm.Chart.Doc;
import io.yubin.helm.Chart.Rendered;
import io.yubin.testing.backends.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image (services/server/target/yubin-image.tar, built by Jib in services/server's
 * package phase) under podman, run as the chart runs it: render, then run. The front-end
 * Deployment of the default values gives the arguments, the environment, the mounts (the rendered
 * yubin.yaml, emptyDirs, the admin token), the user and group, the read-only root filesystem, the
 * dropped capabilities, the memory limit and the probes. What this machine cannot give is
 * overridden through YUBIN_* variables, and only that: the embedded storage instead of Cassandra
 * and S3, no Kubernetes discovery, and listeners on free loopback ports, since the container
 * shares the host's network (never the bridge: containers.conf).
 */
class ImageRunTest {

    static final Path IMAGE_TAR = Path.of("../services/server/target/yubin-image.tar").toAbsolutePath().normalize();

    /** The server's variable for each of the chart's container port names. */
    static final Map<String, String> PORT_VARIABLES = Map.of(
            "smtp", "YUBIN_SMTP_MX_PORT",
            "submission", "YUBIN_SMTP_SUBMISSION_PORT",
            "submissions", "YUBIN_SMTP_SUBMISSIONS_PORT",
            "imap", "YUBIN_IMAP_PORT",
            "imaps", "YUBIN_IMAP_TLS_PORT",
            "pop3", "YUBIN_POP3_PORT",
            "pop3s", "YUBIN_POP3_TLS_PORT",
            "admin", "YUBIN_ADMIN_PORT",
            "hazelcast", "YUBIN_CLUSTER_PORT",
            "mta-sts", "YUBIN_MTA_STS_PORT");

    static Podman podman;
    static String image;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void load() throws Exception {
        Podman.present(IMAGE_TAR, IMAGE_TAR + " is missing: services/server builds it with the profile image,"
                + " active where debootstrap is installed (.ci/install-packages)");
        if (!"true".equals(System.getenv("CI"))) {
            assumeTrue(uid(Path.of("/proc/self")) == 0, "rootful podman needs root");
        }
        podman = Podman.require(Path.of("target/podman").toAbsolutePath());
        String out = podman.run("load", "--input", IMAGE_TAR.toString());
        Matcher m = Pattern.compile("Loaded image\\(?s?\\)?: (\\S+)").matcher(out);
        assertThat(m.find()).as("podman load said:\n%s", out).isTrue();
        image = m.group(1);
    }

    @AfterAll
    static void unload() throws Exception {
        if (image != null) {
            podman.call("rmi", "--force", image);
        }
    }

    @Test
    void imageConfigurationIsWhatTheChartExpects() throws Exception {
        Rendered r = Chart.render("");
        Doc pod = r.get("Deployment", "yubin").doc("spec.template.spec");
        Doc container = frontendContainer(r);
        Map<String, Object> config = Chart.JSON.readValue(
                podman.run("image", "inspect", "--format", "{{json .Config}}", image), new TypeReference<>() { });
        Doc c = new Doc(config);

        // the numeric user of the pod, so it runs the same without the chart
        assertThat(c.at("User")).isEqualTo(pod.at("securityContext.runAsUser") + ":" + pod.at("securityContext.runAsGroup"));
        // exec form, no shell: java is PID 1 and gets the SIGTERM
        assertThat(c.list("Entrypoint")).first().isEqualTo("java");
        assertThat(c.list("Entrypoint")).contains("-XX:MaxRAMPercentage=60.0", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED")
                .endsWith("io.yubin.server.Yubin");
        // the default command is the chart's
        assertThat(c.list("Cmd")).isEqualTo(container.list("args"));
        List<String> ports = container.docs("ports").stream().map(p -> p.at("containerPort") + "/tcp").toList();
        assertThat(Doc.asMap(c.at("ExposedPorts")).keySet()).containsExactlyInAnyOrderElementsOf(ports);
    }

    @Test
    void servesAsTheRenderedFrontEndAndStopsGracefullyOnSigterm(@TempDir Path dir) throws Exception {
        Rendered r = Chart.render("");
        Doc pod = r.get("Deployment", "yubin").doc("spec.template.spec");
        Doc c = frontendContainer(r);
        int uid = (Integer) pod.at("securityContext.runAsUser");
        int gid = (Integer) pod.at("securityContext.runAsGroup");
        int fsGroup = (Integer) pod.at("securityContext.fsGroup");
        String name = "yubin-image-test-" + ProcessHandle.current().pid();

        List<String> run = new ArrayList<>(List.of("run", "--detach", "--name", name, "--pull", "never",
                "--network", "host", "--user", uid + ":" + gid, "--group-add", String.valueOf(fsGroup)));
        if (Boolean.TRUE.equals(c.at("securityContext.readOnlyRootFilesystem"))) {
            run.add("--read-only");
        }
        if (Boolean.FALSE.equals(c.at("securityContext.allowPrivilegeEscalation"))) {
            run.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        for (Object cap : c.list("securityContext.capabilities.drop")) {
            run.addAll(List.of("--cap-drop", String.valueOf(cap)));
        }
        long memory = bytes(String.valueOf(c.at("resources.limits.memory")));
        run.addAll(List.of("--memory", String.valueOf(memory)));
        for (String mount : mounts(r, pod, c, dir, uid, fsGroup)) {
            run.addAll(List.of("--volume", mount));
        }

        Map<String, String> env = environment(r, c);
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Doc port : c.docs("ports")) {
            String variable = PORT_VARIABLES.get((String) port.at("name"));
            assertThat(variable).as("the server's variable for the container port %s", port.at("name")).isNotNull();
            ports.put((String) port.at("name"), FreePorts.belowEphemeralRange());
            env.put(variable, String.valueOf(ports.get((String) port.at("name"))));
        }
        // what this machine has not: Cassandra, S3, Kubernetes DNS; and the host's network is shared
        env.put("YUBIN_STORAGE_BACKEND", "embedded");
        env.put("YUBIN_STORAGE_BLOBS", "files");
        env.put("YUBIN_CLUSTER_ENABLED", "false");
        env.put("YUBIN_CLUSTER_KUBERNETES_SERVICE_DNS", "");
        env.put("YUBIN_CLUSTER_NAME", name);
        for (String listener : List.of("ADMIN", "SMTP", "IMAP", "POP3", "MTA_STS")) {
            env.put("YUBIN_" + listener + "_HOST", "127.0.0.1");
        }
        env.forEach((k, v) -> run.addAll(List.of("--env", k + "=" + v)));
        run.add(image);
        run.addAll(c.list("args").stream().map(String::valueOf).toList());

        podman.run(run.toArray(String[]::new));
        try {
            // the readiness probe, within the startup probe's budget
            int admin = ports.get((String) c.at("readinessProbe.httpGet.port"));
            String ready = "http://127.0.0.1:" + admin + c.at("readinessProbe.httpGet.path");
            long budget = ((Integer) c.at("startupProbe.periodSeconds")) * (long) (Integer) c.at("startupProbe.failureThreshold");
            awaitReady(name, URI.create(ready), Duration.ofSeconds(budget));

            try (Socket smtp = new Socket("127.0.0.1", ports.get("smtp"));
                 BufferedReader in = new BufferedReader(new InputStreamReader(smtp.getInputStream(), StandardCharsets.US_ASCII))) {
                smtp.setSoTimeout(10_000);
                assertThat(in.readLine()).startsWith("220 ");
            }

            // java is PID 1 of the container, as the pod's user
            int pid = Integer.parseInt(podman.run("inspect", "--format", "{{.State.Pid}}", name).strip());
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).startsWith("java\0");
            assertThat(uid(Path.of("/proc/" + pid))).isEqualTo(uid);
            assertThat(Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow()).endsWith("\t1");

            // the heap sized from the memory limit: -XX:MaxRAMPercentage=60
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(maxHeap(metrics)).isBetween((long) (memory * 0.55), (long) (memory * 0.60));

            // SIGTERM within the pod's grace period: the graceful stop, exit status 0 (not 137: no SIGKILL)
            String grace = String.valueOf(pod.at("terminationGracePeriodSeconds"));
            podman.run("stop", "--time", grace, name);
            assertThat(podman.run("inspect", "--format", "{{.State.ExitCode}}", name).strip()).isEqualTo("0");
            String log = podman.run("logs", name);
            Files.writeString(Path.of("target/image-run.log"), log);
            assertThat(log).contains("Yubin is ready", "readiness is now false", "Sessions ended", "Yubin stopped")
                    .doesNotContain("Could not stop", "ERROR");
        } finally {
            podman.call("rm", "--force", "--volumes", name);
        }
    }

    @Test
    void runsOtherSubcommandsInPlaceOfServe() throws Exception {
        Podman.Result help = podman.call("run", "--rm", "--pull", "never", "--network", "none", "--read-only",
                image, "operator", "--help");
        assertThat(help.status()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: yubin operator");
    }

    private void awaitReady(String name, URI ready, Duration budget) throws Exception {
        long deadline = System.nanoTime() + budget.toNanos();
        int status = -1;
        while (System.nanoTime() < deadline) {
            try {
                status = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!"true".equals(podman.run("inspect", "--format", "{{.State.Running}}", name).strip())) {
                fail("the container ended before it was ready:\n" + podman.call("logs", name).output());
            }
            Thread.sleep(500);
        }
        fail(ready + " answered " + status + ", not 200, within " + budget + ":\n" + podman.call("logs", name).output());
    }

    /**
     * The pod's volumes as podman mounts: the rendered ConfigMap's file, each emptyDir a fresh
     * directory the pod's fsGroup owns (as the kubelet makes it), a Secret's key a file of the
     * fsGroup with the Secret's mode. Another kind of volume fails: this test would not run it as
     * Kubernetes does.
     */
    private static List<String> mounts(Rendered r, Doc pod, Doc c, Path dir, int uid, int fsGroup) throws IOException {
        Map<String, Doc> volumes = new LinkedHashMap<>();
        pod.docs("volumes").forEach(v -> volumes.put((String) v.at("name"), v));
        List<String> mounts = new ArrayList<>();
        for (Doc m : c.docs("volumeMounts")) {
            Doc v = volumes.get((String) m.at("name"));
            String target = (String) m.at("mountPath");
            Path source = dir.resolve((String) m.at("name"));
            if (v.at("emptyDir") != null) {
                Files.createDirectory(source);
                own(source, uid, fsGroup, "rwxrwx---");
            } else if (v.at("configMap") != null) {
                String text = (String) Doc.asMap(r.get("ConfigMap", (String) v.at("configMap.name")).at("data"))
                        .get((String) m.at("subPath"));
                Files.writeString(source, text);
                own(source, 0, fsGroup, "rw-r--r--");
            } else if (v.at("secret") != null && m.at("subPath") != null) {
                Files.writeString(source, "image-test-" + m.at("subPath") + "-" + ProcessHandle.current().pid());
                own(source, 0, fsGroup, "r--r-----");
            } else {
                throw new AssertionError("a volume this test does not know how to give: " + v.map);
            }
            mounts.add(source + ":" + target + (Boolean.TRUE.equals(m.at("readOnly")) ? ":ro" : ""));
        }
        return mounts;
    }

    /** The container's environment as the kubelet gives it: 127.0.0.1 for the pod IP, the Secrets' keys that exist. */
    private static Map<String, String> environment(Rendered r, Doc c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Doc e : c.docs("env")) {
            String name = (String) e.at("name");
            if (e.at("value") != null) {
                env.put(name, String.valueOf(e.at("value")));
            } else if ("status.podIP".equals(e.at("valueFrom.fieldRef.fieldPath"))) {
                env.put(name, "127.0.0.1");
            } else if (e.at("valueFrom.secretKeyRef") != null) {
                Object data = r.get("Secret", (String) e.at("valueFrom.secretKeyRef.name")).at("data");
                Object value = data == null ? null : Doc.asMap(data).get((String) e.at("valueFrom.secretKeyRef.key"));
                if (value != null) {
                    env.put(name, new String(Base64.getDecoder().decode((String) value), StandardCharsets.UTF_8));
                } else {
                    assertThat(e.at("valueFrom.secretKeyRef.optional")).as("%s: a missing key of a Secret", name).isEqualTo(true);
                }
            } else {
                throw new AssertionError("an environment variable this test does not know how to give: " + e.map);
            }
        }
        return env;
    }

    /** The largest heap the JVM may take: the sum of the heap pools' maxima in Prometheus' text. */
    static long maxHeap(String metrics) {
        Matcher m = Pattern.compile("(?m)^jvm_memory_max_bytes\\{[^}]*area=\"heap\"[^}]*} (\\S+)$").matcher(metrics);
        long sum = 0;
        boolean found = false;
        while (m.find()) {
            found = true;
            sum += Math.max(0, (long) Double.parseDouble(m.group(1)));
        }
        assertThat(found).as("jvm_memory_max_bytes of the heap in /metrics").isTrue();
        return sum;
    }

    /** A Kubernetes quantity of bytes: 1Gi, 512Mi, 1000000. */
    static long bytes(String quantity) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(quantity);
        assertThat(m.matches()).as("memory limit %s", quantity).isTrue();
        long n = Long.parseLong(m.group(1));
        return m.group(2) == null ? n : n << switch (m.group(2)) {
            case "Ki" -> 10;
            case "Mi" -> 20;
            default -> 30;
        };
    }

    private static void own(Path path, int uid, int gid, String mode) throws IOException {
        Files.setAttribute(path, "unix:uid", uid);
        Files.setAttribute(path, "unix:gid", gid);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(mode));
    }

    private static int uid(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid");
    }
}
