package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies are streamed: a 50 MB message is accepted by a server process whose heap is far smaller
 * than twice the message (-Xmx64m: a server buffering the body whole would fail with
 * OutOfMemoryError), the stored blob has every octet, and the temporary body file is gone.
 */
class LargeMessageTest {

    static final String HEAP = "-Xmx64m";
    static final int LINES = 50_000;
    static final int LINE = 998;

    @TempDir
    Path dir;

    @Test
    void acceptsA50MegabyteMessageInASmallHeap() throws Exception {
        Path data = dir.resolve("data");
        Path portFile = dir.resolve("port");
        Path log = dir.resolve("server.log");
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), HEAP,
                "-Djava.io.tmpdir=" + tmp, "-cp", classPath, LargeMessageServerMain.class.getName(), data.toString(), portFile.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long bodyOctets = (long) LINES * (LINE + 2);
        String reply;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !server.isAlive());
            assertThat(server.isAlive()).as(() -> readLog(log)).isTrue();
            int port = Integer.parseInt(Files.readString(portFile).strip());
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(120_000);
                OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
                java.io.InputStream in = socket.getInputStream();
                out.write(("EHLO big.example\r\nMAIL FROM:<x@remote.example> SIZE=" + bodyOctets
                        + "\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String replies = readUntil(in, "354 ");
                assertThat(replies).contains("250 2.1.0", "250 2.1.5");
                byte[] line = new byte[LINE + 2];
                java.util.Arrays.fill(line, (byte) 'm');
                line[LINE] = '\r';
                line[LINE + 1] = '\n';
                for (int i = 0; i < LINES; i++) {
                    line[0] = (byte) ('a' + i % 26);
                    out.write(line);
                }
                out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply = readUntil(in, "\r\n");
            }
            assertThat(reply).as(() -> readLog(log)).startsWith("250 2.0.0 OK: queued as ");
            assertThat(server.isAlive()).as("no OutOfMemoryError").isTrue();
            // The body went through a temporary file, which is deleted once the spool has it.
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (var files = Files.list(tmp)) {
                    assertThat(files.filter(f -> f.getFileName().toString().startsWith("yubin-smtp-")))
                            .as("temporary body files left").isEmpty();
                }
            });
        } finally {
            server.destroy();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(readLog(log)).doesNotContain("OutOfMemoryError").doesNotContain("Thread blocked");
        try (Storage storage = EmbeddedStorage.open(data)) {
            List<SpoolId> ids = storage.spool().unfinished(null, 10).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(ids).hasSize(1);
            SpoolEntry entry = storage.spool().find(ids.get(0)).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
            assertThat(entry.blob().size()).isGreaterThan(bodyOctets).isLessThan(bodyOctets + 2048);
        }
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static String readUntil(java.io.InputStream in, String marker) throws java.io.IOException {
        StringBuilder s = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return s.toString();
            }
            s.append((char) b);
            int at = s.indexOf(marker);
            if (at >= 0 && s.indexOf("\r\n", at) >= 0) {
                return s.toString();
            }
        }
    }
}
