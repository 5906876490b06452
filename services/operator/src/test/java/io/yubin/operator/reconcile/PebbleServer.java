package io.yubin.operator.reconcile;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A real ACME CA for tests: Debian's pebble on 127.0.0.1 and free ports, validating DNS-01 against
 * the given DNS server, with a certificate for its own HTTPS made here (the package ships none).
 * Missing pebble is a failure, never a skip.
 */
final class PebbleServer implements AutoCloseable {

    private static final Path PEBBLE = Path.of("/usr/bin/pebble");

    private final Path dir;
    private final Process process;
    private final int port;
    /** The certificate of pebble's HTTPS listener, which clients trust. */
    final String tlsCertificatePem;

    PebbleServer(Path dir, InetSocketAddress dns) throws Exception {
        if (!Files.isExecutable(PEBBLE)) {
            fail(PEBBLE + " is missing: install pebble (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        this.dir = dir;
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair key = generator.generateKeyPair();
        X500Name name = new X500Name("CN=pebble test listener");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), name, key.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
        tlsCertificatePem = pem("CERTIFICATE", der);
        Files.writeString(dir.resolve("cert.pem"), tlsCertificatePem);
        Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", key.getPrivate().getEncoded()));

        port = freePort();
        String config = "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + port + "\", \"managementListenAddress\":"
                + " \"127.0.0.1:" + freePort() + "\", \"certificate\": \"" + dir.resolve("cert.pem") + "\","
                + " \"privateKey\": \"" + dir.resolve("key.pem") + "\", \"httpPort\": " + freePort() + ", \"tlsPort\": "
                + freePort() + ", \"ocspResponderURL\": \"\", \"externalAccountBindingRequired\": false}}";
        Files.writeString(dir.resolve("pebble.json"), config);
        ProcessBuilder command = new ProcessBuilder(PEBBLE.toString(), "-config", dir.resolve("pebble.json").toString(),
                "-dnsserver", "127.0.0.1:" + dns.getPort())
                .redirectErrorStream(true).redirectOutput(dir.resolve("pebble.log").toFile());
        // validate at once, never refuse a good nonce, never reuse an authorization: deterministic tests
        command.environment().put("PEBBLE_VA_NOSLEEP", "1");
        command.environment().put("PEBBLE_WFE_NONCEREJECT", "0");
        command.environment().put("PEBBLE_AUTHZREUSE", "0");
        process = command.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!process.isAlive()) {
                fail("pebble exited " + process.exitValue() + ":\n" + log());
            }
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    fail("pebble did not listen within 30 s:\n" + log());
                }
                Thread.sleep(50);
            }
        }
    }

    String directoryUrl() {
        return "https://127.0.0.1:" + port + "/dir";
    }

    String log() throws IOException {
        return Files.readString(dir.resolve("pebble.log"), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
