package io.yubin.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian haproxy) in the foreground with the shipped reference configuration,
 * {@code k8s/haproxy/haproxy.cfg}, its addresses and ports set through the environment variables
 * that file reads: every public port on 127.0.0.1 and a free port, the file's three members
 * pointing at the given {@link ServerProcess}es in turn (which share their ports, on different
 * loopback addresses). Missing haproxy is a failure, never a skip.
 */
final class HaproxyProcess implements AutoCloseable {

    private static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    /** The public listeners, by the name of their environment variable in haproxy.cfg. */
    static final List<String> LISTENERS = List.of("SMTP", "SUBMISSION", "SUBMISSIONS", "IMAP", "IMAPS", "POP3",
            "POP3S");

    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Process process;
    private final Path log;

    HaproxyProcess(Path dir, ServerProcess... members) throws IOException, InterruptedException {
        ServerProcess server = members[0];
        if (!Files.isExecutable(HAPROXY)) {
            fail(HAPROXY + " is missing: install haproxy (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        Path config = referenceConfig();
        ProcessBuilder builder = new ProcessBuilder(HAPROXY.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("LB_ADDR", "127.0.0.1");
        for (String listener : LISTENERS) {
            int port = ServerProcess.freePort();
            ports.put(listener, port);
            env.put("LB_" + listener + "_PORT", String.valueOf(port));
        }
        for (int i = 0; i < 3; i++) {
            env.put("YUBIN_" + (i + 1), members[i % members.length].host());
        }
        env.put("YUBIN_MX_PORT", String.valueOf(server.mxPort()));
        env.put("YUBIN_SUBMISSION_PORT", String.valueOf(server.submissionPort()));
        env.put("YUBIN_SUBMISSIONS_PORT", String.valueOf(server.submissionsPort()));
        env.put("YUBIN_IMAP_PORT", String.valueOf(server.imapPort()));
        env.put("YUBIN_IMAPS_PORT", String.valueOf(server.imapTlsPort()));
        env.put("YUBIN_POP3_PORT", String.valueOf(server.pop3Port()));
        env.put("YUBIN_POP3S_PORT", String.valueOf(server.pop3TlsPort()));
        env.put("YUBIN_ADMIN_PORT", String.valueOf(server.adminPort()));
        log = dir.resolve("haproxy.log");
        builder.redirectOutput(log.toFile());
        process = builder.start();
        awaitListening();
    }

    /** k8s/haproxy/haproxy.cfg in this repository (tests run in the module's directory). */
    static Path referenceConfig() {
        Path config = Path.of(System.getProperty("user.dir")).resolve("../../k8s/haproxy/haproxy.cfg").normalize();
        if (!Files.isRegularFile(config)) {
            fail("the reference HAProxy configuration is missing: " + config);
        }
        return config;
    }

    /** HAProxy's public port for {@code listener} (one of {@link #LISTENERS}). */
    int port(String listener) {
        return ports.get(listener);
    }

    /** A connection to {@code listener} from the loopback address {@code from}, e.g. 127.0.0.2. */
    Socket connect(String listener, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port(listener)), 5_000);
        return socket;
    }

    private void awaitListening() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String listener : LISTENERS) {
            while (true) {
                if (!process.isAlive()) {
                    fail("haproxy exited " + process.exitValue() + ":\n" + log());
                }
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("127.0.0.1", port(listener)), 1_000);
                    break;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline) {
                        fail("haproxy did not listen on " + listener + " within 30 s:\n" + log());
                    }
                    Thread.sleep(50);
                }
            }
        }
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
