package io.yubin.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * fetchmail and getmail (the Debian packages, installed by .ci/install-packages) fetch and delete
 * the mail; what they deliver is compared octet for octet with what the store holds. A missing
 * client fails the test, in CI and everywhere else.
 */
class RealPop3ClientsTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private Pop3Harness pop3;
    private MailAddress alice;
    private List<byte[]> stored;

    @BeforeEach
    void start() throws Exception {
        pop3 = new Pop3Harness(dir);
        alice = pop3.addUser("alice");
        for (String message : AngusMailClientTest.MESSAGES) {
            pop3.deliver(alice, message);
        }
        StringBuilder big = new StringBuilder("Return-Path: <dave@example.org>\r\nFrom: dave@example.org\r\n"
                + "Subject: big\r\n\r\n");
        for (int i = 0; big.length() < 300_000; i++) {
            big.append(i % 5 == 0 ? "." : "").append("line ").append(i).append("\r\n");
        }
        pop3.deliver(alice, big.toString());
        stored = new ArrayList<>();
        for (var message : pop3.messages(alice)) {
            stored.add(pop3.body(message));
        }
    }

    @AfterEach
    void stop() throws Exception {
        pop3.close();
    }

    @Test
    void fetchmailFetchesAndDeletesOverStls() throws Exception {
        Path fetchmail = tool("fetchmail");
        Path out = Files.createDirectories(dir.resolve("fetched"));
        Path rc = dir.resolve("fetchmailrc");
        Files.writeString(rc, "set no syslog\n"
                + "set invisible\n"
                + "poll 127.0.0.1 service " + pop3.server.actualPort() + " protocol pop3 auth password timeout 30\n"
                + "  user \"alice@example.test\" there with password \"" + Pop3Harness.PASSWORD + "\" is \""
                + System.getProperty("user.name") + "\" here\n"
                + "  sslproto \"TLS1.2+\" no sslcertck sslfingerprint \"" + pop3.fingerprint("MD5") + "\"\n"
                + "  fetchall no keep no rewrite no stripcr no forcecr no mimedecode no dropstatus no dropdelivered\n"
                + "  mda \"/bin/sh -c 'cat > " + out + "/msg.$$'\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        run(List.of(fetchmail.toString(), "-f", rc.toString(), "--pidfile", dir.resolve("fetchmail.pid").toString(),
                "-v", "--nosyslog"), Map.of("FETCHMAILHOME", dir.toString()));
        assertThat(contents(out)).containsExactlyInAnyOrderElementsOf(strings(stored));
        assertThat(pop3.messages(alice)).isEmpty();
    }

    @Test
    void getmailFetchesAndDeletesOverImplicitTls() throws Exception {
        Path getmail = tool("getmail");
        Path out = Files.createDirectories(dir.resolve("fetched"));
        Path getmailDir = Files.createDirectories(dir.resolve("getmail"));
        Path rc = getmailDir.resolve("getmailrc");
        Files.writeString(rc, "[retriever]\n"
                + "type = SimplePOP3SSLRetriever\n"
                + "server = 127.0.0.1\n"
                + "port = " + pop3.server.actualTlsPort() + "\n"
                + "username = alice@example.test\n"
                + "password = " + Pop3Harness.PASSWORD + "\n"
                + "ca_certs = " + pop3.certificate.certificatePath() + "\n"
                + "ssl_cert_hostname = localhost\n"
                + "\n[destination]\n"
                // getmail's Maildir refuses to deliver as root (CI containers run as root); an external
                // MDA with allow_root_commands delivers the same octets everywhere.
                + "type = MDA_external\n"
                + "path = /bin/sh\n"
                + "arguments = (\"-c\", \"cat > " + out + "/msg.$$\")\n"
                + "unixfrom = false\n"
                + "allow_root_commands = true\n"
                + "\n[options]\n"
                + "delete = true\n"
                + "read_all = true\n"
                + "delivered_to = false\n"
                + "received = false\n"
                + "verbose = 2\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(rc, PosixFilePermissions.fromString("rw-------"));
        run(List.of(getmail.toString(), "--getmaildir", getmailDir.toString(), "--rcfile", rc.toString()), Map.of());
        // getmail (Python's email package) writes local line ends, LF; apart from that, the same octets.
        assertThat(contents(out)).containsExactlyInAnyOrderElementsOf(
                strings(stored).stream().map(m -> m.replace("\r\n", "\n")).toList());
        assertThat(contents(out)).allSatisfy(m -> assertThat(m).doesNotContain("\r"));
        assertThat(pop3.messages(alice)).isEmpty();
    }

    /** The client on the PATH; missing is a failure, never a skip (see .ci/install-packages). */
    private static Path tool(String name) {
        for (String entry : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(entry, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(name + " is not installed; run .ci/install-packages (CI=" + System.getenv("CI") + ")");
    }

    private void run(List<String> command, Map<String, String> environment) throws Exception {
        Path log = dir.resolve("client.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("HOME", dir.toString());
        builder.environment().put("LC_ALL", "C.UTF-8");
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail(command.get(0) + " did not finish:\n" + Files.readString(log));
        }
        assertThat(process.exitValue()).as(command.get(0) + " exit status; output:\n" + Files.readString(log))
                .isZero();
    }

    private static List<String> contents(Path directory) throws IOException {
        List<String> contents = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                contents.add(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1));
            }
        }
        return contents;
    }

    /** Octets as ISO-8859-1 text, so a mismatch shows readably and compares exactly. */
    private static List<String> strings(List<byte[]> messages) {
        return messages.stream().map(m -> new String(m, StandardCharsets.ISO_8859_1)).toList();
    }
}
