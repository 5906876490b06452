package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #5: the server never buffers an unbounded amount for one client. A 50 MB message goes in by
 * APPEND and comes back by FETCH through a server whose whole heap is 128 MiB (Hazelcast and Vert.x
 * included): holding the message in memory, let alone twice, ends that JVM with an
 * OutOfMemoryError. The octets are compared by SHA-256.
 */
class BoundedMemoryTest {

    private static final int SIZE = 50 * 1000 * 1000;
    private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)\\}$");

    @TempDir
    Path dir;
    private Process server;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    @BeforeEach
    void startServer() throws Exception {
        Path portFile = dir.resolve("port");
        Path log = dir.resolve("server.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxDirectMemorySize=64m",
                "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), SmallHeapImapServer.class.getName(),
                dir.resolve("server").toString(), portFile.toString()));
        server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(portFile)) {
            assertThat(server.isAlive()).as("server started; its log:\n%s", Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("server started in time").isLessThan(deadline);
            Thread.sleep(100);
        }
        socket = new Socket("127.0.0.1", Integer.parseInt(Files.readString(portFile).trim()));
        socket.setSoTimeout(60_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
        assertThat(line()).startsWith("* OK");
    }

    @AfterEach
    void stopServer() throws Exception {
        if (socket != null) {
            socket.close();
        }
        if (server != null) {
            server.getOutputStream().close();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void appendsAndFetchesAFiftyMegabyteMessageWithA128MebibyteHeap() throws Exception {
        send("a LOGIN big@example.test \"" + ImapHarness.PASSWORD + "\"\r\n");
        assertThat(untilTagged("a")).startsWith("a OK");

        send("b APPEND INBOX {" + SIZE + "}\r\n");
        assertThat(line()).startsWith("+");
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[256 * 1024];
        Message message = new Message();
        for (long at = 0; at < SIZE; at += chunk.length) {
            int n = (int) Math.min(chunk.length, SIZE - at);
            message.fill(chunk, n);
            sent.update(chunk, 0, n);
            out.write(chunk, 0, n);
        }
        send("\r\n");
        assertThat(untilTagged("b")).contains("b OK [APPENDUID");

        send("c SELECT INBOX\r\n");
        assertThat(untilTagged("c")).contains("c OK");
        send("d FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n");
        String head = line();
        assertThat(head).startsWith("* 1 FETCH (RFC822.SIZE " + SIZE + " BODY[] {" + SIZE + "}");
        assertThat(digest(head)).isEqualTo(HexFormat.of().formatHex(sent.digest()));
        assertThat(line()).isEqualTo(")");
        assertThat(untilTagged("d")).isEqualTo("d OK FETCH completed");

        // A partial of 3 MB from the middle is streamed too.
        int from = 20_000_001;
        int length = 3_000_000;
        send("e FETCH 1 (BODY.PEEK[]<" + from + "." + length + ">)\r\n");
        head = line();
        assertThat(head).startsWith("* 1 FETCH (BODY[]<" + from + "> {" + length + "}");
        MessageDigest slice = MessageDigest.getInstance("SHA-256");
        Message again = new Message();
        for (long at = 0; at < from + length; at += chunk.length) {
            int n = (int) Math.min(chunk.length, from + length - at);
            again.fill(chunk, n);
            int start = (int) Math.max(0, from - at);
            if (start < n) {
                slice.update(chunk, start, n - start);
            }
        }
        assertThat(digest(head)).isEqualTo(HexFormat.of().formatHex(slice.digest()));
        assertThat(line()).isEqualTo(")");
        assertThat(untilTagged("e")).isEqualTo("e OK FETCH completed");
        assertThat(server.isAlive()).isTrue();
    }

    /** Reads the literal announced at the end of {@code head} and returns its SHA-256. */
    private String digest(String head) throws Exception {
        Matcher m = LITERAL.matcher(head);
        assertThat(m.find()).as(head).isTrue();
        long remaining = Long.parseLong(m.group(1));
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException("connection ended " + remaining + " octets early");
            }
            received.update(buffer, 0, n);
            remaining -= n;
        }
        return HexFormat.of().formatHex(received.digest());
    }

    /** A header and lines of 76 pseudo-random letters, the same every time. */
    private static final class Message {
        private final Random random = new Random(5);
        private final byte[] header = ("From: big@example.test\r\nTo: big@example.test\r\nSubject: large\r\n"
                + "Message-ID: <large@example.test>\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        private long position;

        void fill(byte[] chunk, int n) {
            for (int i = 0; i < n; i++, position++) {
                if (position < header.length) {
                    chunk[i] = header[(int) position];
                    continue;
                }
                long column = (position - header.length) % 78;
                chunk[i] = column == 76 ? (byte) '\r' : column == 77 ? (byte) '\n'
                        : (byte) ('a' + random.nextInt(26));
            }
        }
    }

    private void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private String line() throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection ended; read so far: " + buffer);
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = buffer.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            buffer.write(b);
            previous = b;
        }
    }

    private String untilTagged(String tag) throws IOException {
        while (true) {
            String l = line();
            if (l.startsWith(tag + " ")) {
                return l;
            }
        }
    }
}
