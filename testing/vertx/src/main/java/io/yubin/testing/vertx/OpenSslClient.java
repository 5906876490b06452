package io.yubin.testing.vertx;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code openssl s_client}, an independent TLS client, for what the JDK's own client does not do
 * cleanly against any server: renegotiating, and showing whether a session was resumed.
 * {@code starttls} is s_client's protocol ({@code imap}, {@code pop3}, {@code smtp}) for a port that
 * starts in plain text, null for implicit TLS.
 */
public final class OpenSslClient {

    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    private OpenSslClient() {
    }

    /**
     * What {@code s_client} printed (standard output and error) after asking for a renegotiation over
     * TLS 1.2 on {@code 127.0.0.1:port}. A server that refuses ends the connection with a fatal alert
     * at once; one that accepts keeps it open.
     */
    public static String renegotiate(int port, String serverName, String starttls) throws IOException, InterruptedException {
        // s_client reads its input only once the handshake is done; "R" asks for a renegotiation.
        // Refused: s_client ends on the server's alert at once; accepted: it waits for more input.
        return run(command(port, serverName, starttls, "-tls1_2"), "R\n", 10_000);
    }

    /**
     * Whether a second connection resumed the session of a first one, both over {@code protocol}
     * ({@code -tls1_2} or {@code -tls1_3}). The first waits a second before it ends, for a TLS 1.3
     * server's session ticket, which comes after the handshake.
     */
    public static boolean resumes(int port, String serverName, String starttls, String protocol)
            throws IOException, InterruptedException {
        Path session = Files.createTempFile("yubin-tls-session", ".pem");
        try {
            List<String> first = command(port, serverName, starttls, protocol);
            first.addAll(List.of("-sess_out", session.toString()));
            String out = run(first, "", 1000);
            if (!out.contains("\nNew, ")) {
                fail("no TLS session was set up: " + out);
            }
            List<String> second = command(port, serverName, starttls, protocol);
            second.addAll(List.of("-sess_in", session.toString()));
            return run(second, "", 0).contains("\nReused, ");
        } finally {
            Files.deleteIfExists(session);
        }
    }

    private static List<String> command(int port, String serverName, String starttls, String protocol) {
        if (!Files.isExecutable(OPENSSL)) {
            fail(OPENSSL + " is missing: install openssl (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        List<String> command = new ArrayList<>(List.of(OPENSSL.toString(), "s_client", "-connect", "127.0.0.1:" + port,
                protocol, "-servername", serverName));
        if (starttls != null) {
            command.addAll(List.of("-starttls", starttls));
        }
        return command;
    }

    /**
     * Runs s_client with {@code input}, ends its input once it has ended by itself or {@code waitMillis}
     * have passed, and returns what it printed.
     */
    private static String run(List<String> command, String input, long waitMillis) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            OutputStream in = process.getOutputStream();
            in.write(input.getBytes(StandardCharsets.US_ASCII));
            in.flush();
            if (!process.waitFor(waitMillis, TimeUnit.MILLISECONDS)) {
                in.close();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            process.destroyForcibly();
        }
    }
}
