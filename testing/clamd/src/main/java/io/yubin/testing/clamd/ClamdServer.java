package io.yubin.testing.clamd;

import static org.junit.jupiter.api.Assertions.fail;

import io.yubin.testing.backends.FreePorts;
import io.yubin.testing.backends.Processes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * A real ClamAV daemon for tests: Debian's clamd in the foreground on 127.0.0.1 and a free port,
 * with a signature database the test owns, holding one signature: {@link #SIGNATURE}, the EICAR
 * anti-virus test file (its official signature comes with ClamAV's own databases, which are
 * downloaded by freshclam and not available here). clamd's defaults stay on: it decodes MIME
 * parts and unpacks archives before matching. Missing clamd is a failure, never a skip.
 */
public final class ClamdServer implements AutoCloseable {

    private static final Path CLAMD = Path.of("/usr/sbin/clamd");
    /** What clamd reports for {@link #eicar()} ({@code .UNOFFICIAL}: a database of our own). */
    public static final String SIGNATURE = "Yubin.Test.EICAR.UNOFFICIAL";

    private final Path dir;
    private final Process process;
    private final int port;

    public ClamdServer(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(CLAMD)) {
            fail(CLAMD + " is missing: install clamav-daemon (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        this.dir = dir;
        Path db = Files.createDirectories(dir.resolve("db"));
        // An extended (.ndb) signature: name, target type 0 (any file), any offset, the bytes in hex.
        Files.writeString(db.resolve("yubin-test.ndb"), "Yubin.Test.EICAR:0:*:" + HexFormat.of().formatHex(eicar())
                + "\n", StandardCharsets.US_ASCII);
        port = FreePorts.belowEphemeralRange();
        Files.writeString(dir.resolve("clamd.conf"), String.join("\n",
                "DatabaseDirectory " + db,
                "TCPAddr 127.0.0.1",
                "TCPSocket " + port,
                "Foreground yes",
                "LogFile " + dir.resolve("clamd.log"),
                "TemporaryDirectory " + dir,
                "") + "\n");
        process = new ProcessBuilder(CLAMD.toString(), "--config-file=" + dir.resolve("clamd.conf"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("clamd.out").toFile()).start();
        awaitPong();
    }

    /** The EICAR test file (68 octets), put together here so that no file of the repository holds it. */
    public static byte[] eicar() {
        return ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
                .getBytes(StandardCharsets.US_ASCII);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Sends zPING until clamd answers PONG, for at most 60 seconds (it loads its database first). */
    private void awaitPong() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("clamd exited " + process.exitValue() + ":\n" + log());
            }
            try (Socket s = new Socket()) {
                s.connect(address(), 500);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write("zPING\0".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                if (new String(in.readNBytes(4), StandardCharsets.US_ASCII).equals("PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        fail("clamd did not answer PING within 60 s:\n" + log());
    }

    public String log() throws IOException {
        StringBuilder out = new StringBuilder();
        for (String name : new String[] {"clamd.out", "clamd.log"}) {
            Path log = dir.resolve(name);
            if (Files.exists(log)) {
                out.append(Files.readString(log, StandardCharsets.ISO_8859_1));
            }
        }
        return out.toString();
    }

    /** Stops clamd (SIGTERM, then SIGKILL after 10 s). */
    @Override
    public void close() {
        Processes.stop(process, Duration.ofSeconds(10));
    }
}
