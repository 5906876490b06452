package io.yubin.testing.spamengines;

import static org.junit.jupiter.api.Assertions.fail;

import io.yubin.testing.backends.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real rspamd for tests: Debian's rspamd in the foreground with its own configuration directory
 * (Debian's configuration, with the workers on free loopback ports), Bayes in a redis of its own
 * (no persistence), and the modules that query the network off (RBLs, SPF, DKIM, DMARC, ARC, ASN,
 * fuzzy hashes, phishing feeds, reverse DNS); DNS goes nowhere (hfilter stays on: its lookups fail
 * at once and it scores the failures, as in the measurement of docs/filtering.md). The
 * controller trusts 127.0.0.1 (Debian's secure_ip), so learning needs no password. Missing rspamd
 * or redis-server is a failure, never a skip. bench/spam-engines.sh starts the same configuration
 * on fixed ports for measurements.
 */
public final class RspamdServer implements AutoCloseable {

    private static final Path RSPAMD = Path.of("/usr/bin/rspamd");
    private static final Path REDIS = Path.of("/usr/bin/redis-server");
    /** The modules that would look things up on the network, as bench/spam-engines.sh turns them off. */
    static final List<String> NETWORK_MODULES = List.of("rbl", "spf", "dkim", "dmarc", "arc", "asn", "fuzzy_check",
            "phishing", "once_received");

    private final Path dir;
    private final Process redis;
    private final Process rspamd;
    private final int normalPort;
    private final int controllerPort;

    public RspamdServer(Path dir) throws IOException, InterruptedException {
        for (Path binary : List.of(RSPAMD, REDIS)) {
            if (!Files.isExecutable(binary)) {
                fail(binary + " is missing: install rspamd and redis-server (.ci/install-packages); CI="
                        + System.getenv("CI"));
            }
        }
        this.dir = dir;
        int redisPort = FreePorts.belowEphemeralRange();
        redis = new ProcessBuilder(REDIS.toString(), "--port", Integer.toString(redisPort), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
        Ready.await("redis-server", redis, new InetSocketAddress(InetAddress.getLoopbackAddress(), redisPort),
                "PING\r\n", "+PONG", 30, this::log);

        normalPort = FreePorts.belowEphemeralRange();
        controllerPort = FreePorts.belowEphemeralRange();
        int proxyPort = FreePorts.belowEphemeralRange();
        Path local = Files.createDirectories(dir.resolve("local.d"));
        write(local.resolve("worker-normal.inc"), "bind_socket = \"127.0.0.1:" + normalPort + "\";\ncount = 1;\n");
        write(local.resolve("worker-controller.inc"), "bind_socket = \"127.0.0.1:" + controllerPort + "\";\n");
        write(local.resolve("worker-proxy.inc"), "bind_socket = \"127.0.0.1:" + proxyPort + "\";\n");
        write(local.resolve("classifier-bayes.conf"), "backend = \"redis\";\nservers = \"127.0.0.1:" + redisPort + "\";\n");
        write(local.resolve("options.inc"), "dns { nameserver = [\"127.0.0.1:1\"]; timeout = 0.1s; retransmits = 1; }\n");
        write(local.resolve("logging.inc"), "level = \"notice\";\n");
        for (String module : NETWORK_MODULES) {
            write(local.resolve(module + ".conf"), "enabled = false;\n");
        }
        for (String sub : List.of("db", "run", "log")) {
            Files.createDirectories(dir.resolve(sub));
        }
        List<String> command = new ArrayList<>(List.of(RSPAMD.toString(), "-f", "-c", "/etc/rspamd/rspamd.conf",
                "--var=LOCAL_CONFDIR=" + dir, "--var=DBDIR=" + dir.resolve("db"), "--var=RUNDIR=" + dir.resolve("run"),
                "--var=LOGDIR=" + dir.resolve("log")));
        if (Ready.isRoot()) {
            // rspamd refuses to run its workers as root unless told to (-i); the directory is root's.
            command.addAll(List.of("-i", "-u", "root", "-g", "root"));
        }
        rspamd = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("rspamd.out").toFile()).start();
        Ready.await("rspamd (normal worker)", rspamd, new InetSocketAddress(InetAddress.getLoopbackAddress(), normalPort),
                "GET /ping HTTP/1.0\r\n\r\n", "HTTP/1.", 90, this::log);
        Ready.await("rspamd (controller)", rspamd,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), controllerPort),
                "GET /ping HTTP/1.0\r\n\r\n", "HTTP/1.", 90, this::log);
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    /** The normal worker, which classifies ({@code /checkv2}). */
    public URI normal() {
        return URI.create("http://127.0.0.1:" + normalPort);
    }

    /** The controller, which learns ({@code /learnspam}, {@code /learnham}) and counts ({@code /stat}). */
    public URI controller() {
        return URI.create("http://127.0.0.1:" + controllerPort);
    }

    public String log() {
        return Ready.logs(dir, "redis.out", "rspamd.out", "log/rspamd.log");
    }

    /** Stops rspamd, then redis. */
    @Override
    public void close() {
        Ready.stop(rspamd);
        Ready.stop(redis);
    }
}
