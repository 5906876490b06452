package io.yubin.testing.bind9;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server for tests: BIND 9's named (Debian bind9) in the foreground,
 * on 127.0.0.1 and a free port, serving the zone files the test writes, without recursion.
 * Missing named is a failure, never a skip.
 */
public final class Bind9Server implements AutoCloseable {

    private static final Path NAMED = Path.of("/usr/sbin/named");

    private final Path dir;
    private final Process process;
    private final int port;

    /**
     * Starts named with {@code zones} (origin → zone file text; a text of "garbage" makes a zone
     * that fails to load, which named answers with SERVFAIL).
     */
    public Bind9Server(Path dir, Map<String, String> zones) throws IOException, InterruptedException {
        if (!Files.isExecutable(NAMED)) {
            fail(NAMED + " is missing: install bind9 (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        this.dir = dir;
        this.port = freePort();
        StringBuilder conf = new StringBuilder()
                .append("options {\n")
                .append("  directory \"").append(dir).append("\";\n")
                .append("  pid-file none;\n  session-keyfile none;\n")
                .append("  listen-on port ").append(port).append(" { 127.0.0.1; };\n")
                .append("  listen-on-v6 { none; };\n")
                .append("  recursion no;\n  dnssec-validation no;\n  notify no;\n")
                // owner names are octet strings: let tests serve names that are not host names
                .append("  check-names primary ignore;\n")
                .append("};\ncontrols { };\n");
        for (Map.Entry<String, String> zone : zones.entrySet()) {
            String file = zone.getKey() + ".zone";
            Files.writeString(dir.resolve(file), zone.getValue(), StandardCharsets.ISO_8859_1);
            conf.append("zone \"").append(zone.getKey()).append("\" { type primary; file \"").append(file)
                    .append("\"; };\n");
        }
        Files.writeString(dir.resolve("named.conf"), conf);
        process = new ProcessBuilder(NAMED.toString(), "-g", "-n", "1", "-c", dir.resolve("named.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("named.log").toFile()).start();
        for (String zone : zones.keySet()) {
            if (!zones.get(zone).equals("garbage")) {
                awaitServing(zone);
            }
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Polls the SOA of {@code zone} until named answers it, for at most 30 seconds. */
    private void awaitServing(String zone) throws IOException, InterruptedException {
        SimpleResolver probe = new SimpleResolver(address());
        probe.setTimeout(Duration.ofMillis(200));
        Message query = Message.newQuery(Record.newRecord(Name.fromString(zone + "."), Type.SOA, DClass.IN));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("named exited " + process.exitValue() + ":\n" + log());
            }
            try {
                if (probe.send(query).getRcode() == Rcode.NOERROR) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        fail("named did not serve " + zone + " within 30 s:\n" + log());
    }

    /** What named wrote to its log so far, for failure messages. */
    public String log() throws IOException {
        Path log = dir.resolve("named.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A port free for both TCP and UDP on 127.0.0.1 (named needs both). */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    DatagramSocket udp = new DatagramSocket(tcp.getLocalPort(), InetAddress.getLoopbackAddress())) {
                return udp.getLocalPort();
            } catch (IOException taken) {
                // the UDP port is in use; try another
            }
        }
        throw new IOException("no port free for both TCP and UDP");
    }
}
