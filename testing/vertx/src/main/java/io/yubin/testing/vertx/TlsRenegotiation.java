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
 * Asks a server, over TLS 1.2, to renegotiate, with {@code openssl s_client} (an independent TLS
 * client: the JDK's own does not renegotiate cleanly against any server). A server that refuses
 * ends the connection with a fatal alert at once; one that accepts keeps it open.
 */
public final class TlsRenegotiation {

    private TlsRenegotiation() {
    }

    /**
     * What {@code s_client} printed (standard output and error) after asking for a renegotiation on
     * {@code 127.0.0.1:port}; {@code starttls} is s_client's protocol ({@code imap}, {@code pop3},
     * {@code smtp}) for a port that starts in plain text, null for implicit TLS.
     */
    public static String attempt(int port, String serverName, String starttls) throws IOException, InterruptedException {
        Path openssl = Path.of("/usr/bin/openssl");
        if (!Files.isExecutable(openssl)) {
            fail(openssl + " is missing: install openssl (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        List<String> command = new ArrayList<>(List.of(openssl.toString(), "s_client", "-connect", "127.0.0.1:" + port,
                "-tls1_2", "-servername", serverName));
        if (starttls != null) {
            command.addAll(List.of("-starttls", starttls));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            OutputStream in = process.getOutputStream();
            // s_client reads its input only once the handshake is done; "R" asks for a renegotiation.
            in.write("R\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
            // refused: s_client ends on the server's alert; accepted: it waits for more input
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                in.close();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            process.destroyForcibly();
        }
    }
}
