package io.yubin.testing.bind9;

import static org.junit.jupiter.api.Assertions.fail;

import io.yubin.testing.backends.Processes;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server for tests: BIND 9's named (Debian bind9) in the foreground,
 * on 127.0.0.1 and a free port, serving the zone files the test writes, without recursion.
 * Missing named is a failure, never a skip.
 */
public final class Bind9Server implements AutoCloseable {

    private static final Path NAMED = Path.of("/usr/sbin/named");

    /** The start of a zone file: TTL, SOA, and the server as its name server; the test's records follow. */
    public static final String ZONE_HEAD = """
            $TTL 300
            @ IN SOA ns hostmaster 1 3600 600 86400 60
            @ IN NS ns
            ns IN A 127.0.0.1
            """;

    private final Path dir;
    private final Process process;
    private final int port;

    /**
     * A TSIG key (RFC 8945) that may send RFC 2136 dynamic updates to every zone of the server
     * ({@code update-policy { grant <name> zonesub ANY; }}).
     *
     * @param algorithm hmac-sha256, hmac-sha384 or hmac-sha512
     * @param secret base64, as tsig-keygen prints it
     */
    public record UpdateKey(String name, String algorithm, String secret) {

        /** A key with a fresh random 256-bit secret. */
        public static UpdateKey random(String name) {
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            return new UpdateKey(name, "hmac-sha256", Base64.getEncoder().encodeToString(secret));
        }
    }

    /**
     * Starts named with {@code zones} (origin → zone file text; a text of "garbage" makes a zone
     * that fails to load, which named answers with SERVFAIL).
     */
    public Bind9Server(Path dir, Map<String, String> zones) throws IOException, InterruptedException {
        this(dir, zones, null);
    }

    /**
     * Starts named with {@code zones}, each of which {@code updateKey} may change by dynamic
     * update (named keeps the changes in a journal beside the zone file); null for no updates.
     */
    public Bind9Server(Path dir, Map<String, String> zones, UpdateKey updateKey)
            throws IOException, InterruptedException {
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
        if (updateKey != null) {
            conf.append("key \"").append(updateKey.name()).append("\" { algorithm ").append(updateKey.algorithm())
                    .append("; secret \"").append(updateKey.secret()).append("\"; };\n");
        }
        for (Map.Entry<String, String> zone : zones.entrySet()) {
            String file = zone.getKey() + ".zone";
            Files.writeString(dir.resolve(file), zone.getValue(), StandardCharsets.ISO_8859_1);
            conf.append("zone \"").append(zone.getKey()).append("\" { type primary; file \"").append(file)
                    .append("\";");
            if (updateKey != null) {
                conf.append(" update-policy { grant \"").append(updateKey.name()).append("\" zonesub ANY; };");
            }
            conf.append(" };\n");
        }
        Files.writeString(dir.resolve("named.conf"), conf);
        process = new ProcessBuilder(NAMED.toString(), "-g", "-n", "1", "-c", dir.resolve("named.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("named.log").toFile()).start();
        try {
            for (String zone : zones.keySet()) {
                if (!zones.get(zone).equals("garbage")) {
                    awaitServing(zone);
                }
            }
        } catch (IOException | InterruptedException | RuntimeException | Error failed) {
            // the caller never gets the server to close: stop named here, or it outlives the test
            Processes.stop(process, Duration.ofSeconds(10));
            throw failed;
        }
    }

    /**
     * A zone signed for DNSSEC with fresh keys, and what proves it.
     *
     * @param text the signed zone file, to serve as any other zone
     * @param trustAnchor the zone's key-signing key as a DNSKEY record in zone-file form: the trust
     *     anchor a validating resolver needs (the test zones have no signed parent)
     */
    public record SignedZone(String text, String trustAnchor) {
    }

    /**
     * Signs {@code zone} (the text of the zone file of {@code origin}) with a new ECDSA P-256
     * key-signing key and zone-signing key, by BIND's dnssec-keygen and dnssec-signzone (Debian
     * bind9-utils), working in {@code dir}. The signatures are valid from an hour ago for 30 days.
     */
    public static SignedZone sign(Path dir, String origin, String zone) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path unsigned = dir.resolve(origin + ".unsigned");
        Path signed = dir.resolve(origin + ".signed");
        Files.writeString(unsigned, zone, StandardCharsets.ISO_8859_1);
        String ksk = tool(dir, "dnssec-keygen", "-q", "-K", dir.toString(), "-a", "ECDSAP256SHA256", "-f", "KSK",
                "-n", "ZONE", origin).strip();
        tool(dir, "dnssec-keygen", "-q", "-K", dir.toString(), "-a", "ECDSAP256SHA256", "-n", "ZONE", origin);
        tool(dir, "dnssec-signzone", "-q", "-K", dir.toString(), "-S", "-o", origin, "-f", signed.toString(),
                "-d", dir.toString(), unsigned.toString());
        String anchor = Files.readAllLines(dir.resolve(ksk + ".key"), StandardCharsets.US_ASCII).stream()
                .filter(line -> !line.startsWith(";") && !line.isBlank()).reduce("", (a, b) -> a + b + "\n");
        return new SignedZone(Files.readString(signed, StandardCharsets.ISO_8859_1), anchor);
    }

    /** Runs a BIND tool of /usr/bin; its standard output. */
    private static String tool(Path dir, String name, String... args) throws IOException, InterruptedException {
        Path tool = Path.of("/usr/bin", name);
        if (!Files.isExecutable(tool)) {
            fail(tool + " is missing: install bind9-utils (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        List<String> command = new ArrayList<>(List.of(tool.toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(dir, name, ".err");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " failed:\n" + out + Files.readString(err));
        }
        return out;
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

    /**
     * The records named serves at {@code name} of {@code type} (a {@link Type} value), asked over
     * TCP; empty when the name or the type does not exist.
     */
    public List<Record> records(String name, int type) throws IOException {
        SimpleResolver resolver = new SimpleResolver(address());
        resolver.setTCP(true);
        resolver.setTimeout(Duration.ofSeconds(5));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type,
                DClass.IN)));
        if (answer.getRcode() != Rcode.NOERROR && answer.getRcode() != Rcode.NXDOMAIN) {
            throw new IOException("named answered " + Rcode.string(answer.getRcode()) + " for " + name);
        }
        return answer.getSection(Section.ANSWER).stream().filter(r -> r.getType() == type).toList();
    }

    /** What named wrote to its log so far, for failure messages. */
    public String log() throws IOException {
        Path log = dir.resolve("named.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }

    @Override
    public void close() {
        Processes.stop(process, Duration.ofSeconds(10));
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
