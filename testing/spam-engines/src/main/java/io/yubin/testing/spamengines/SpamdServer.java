package io.yubin.testing.spamengines;

import static org.junit.jupiter.api.Assertions.fail;

import io.yubin.testing.backends.FreePorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A real SpamAssassin spamd for tests: Debian's spamd on 127.0.0.1 and a free port, local tests
 * only ({@code -L}: no DNS or network lookups), learning allowed ({@code --allow-tell}), with
 * Debian's rules and plugin list, a Bayes database in the test's directory and no auto-learning.
 * Missing spamd is a failure, never a skip.
 */
public final class SpamdServer implements AutoCloseable {

    private static final Path SPAMD = Path.of("/usr/sbin/spamd");
    private static final Path SITE_CONFIG = Path.of("/etc/spamassassin");

    private final Path dir;
    private final Process process;
    private final int port;

    public SpamdServer(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(SPAMD)) {
            fail(SPAMD + " is missing: install spamd and spamassassin (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        this.dir = dir;
        Path site = Files.createDirectories(dir.resolve("site"));
        try (DirectoryStream<Path> pre = Files.newDirectoryStream(SITE_CONFIG, "*.pre")) {
            for (Path file : pre) {
                Files.copy(file, site.resolve(file.getFileName().toString()));
            }
        }
        Path bayes = Files.createDirectories(dir.resolve("bayes"));
        Files.writeString(site.resolve("local.cf"), "bayes_path " + bayes.resolve("bayes") + "\nbayes_auto_learn 0\n",
                StandardCharsets.US_ASCII);
        port = FreePorts.belowEphemeralRange();
        List<String> command = new ArrayList<>(List.of(SPAMD.toString(), "-L", "--allow-tell", "-x",
                "-i", "127.0.0.1", "-p", Integer.toString(port), "-A", "127.0.0.1", "-m", "2",
                "--siteconfigpath=" + site, "-s", dir.resolve("spamd.log").toString(),
                "-r", dir.resolve("spamd.pid").toString()));
        if (Ready.isRoot()) {
            // spamd will not run as root; its user must reach and write the Bayes database.
            command.addAll(List.of("-u", "nobody"));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(bayes, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("spamd.out").toFile()).start();
        // spamd/PROTOCOL: PING is answered "SPAMD/1.5 0 PONG" once the rules are loaded.
        Ready.await("spamd", process, address(), "PING SPAMC/1.5\r\n\r\n", "SPAMD/1.5 0 PONG", 60, this::log);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** spamd's own log file (-s), one line per event. */
    public Path logFile() {
        return dir.resolve("spamd.log");
    }

    public String log() {
        return Ready.logs(dir, "spamd.out", "spamd.log");
    }

    /** Stops spamd (SIGTERM to the parent, which ends its children, then SIGKILL after 10 s). */
    @Override
    public void close() {
        Ready.stop(process);
    }
}
