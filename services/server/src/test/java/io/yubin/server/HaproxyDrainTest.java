package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code yubin serve} members (127.0.0.1 and 127.0.0.11, same ports) behind HAProxy with the
 * shipped configuration; member a gets SIGTERM while a client is in the middle of DATA on it:
 * HAProxy marks a down on its readiness check and sends every new client to b, while the
 * transaction on a goes on, is answered 250, and its session then ends with 421; a exits 0.
 */
class HaproxyDrainTest {

    private static final String PASSWORD = "a long enough password";

    @TempDir
    Path dataA;

    @TempDir
    Path dataB;

    @TempDir
    Path logDir;

    @Test
    void newConnectionsGoToTheOtherMemberWhileOneDrains() throws Exception {
        try (ServerProcess a = new ServerProcess(dataA, logDir, "127.0.0.1", null);
                ServerProcess b = new ServerProcess(dataB, logDir, "127.0.0.11", a)) {
            for (ServerProcess member : List.of(a, b)) {
                String name = member == a ? "a" : "b";
                member.environment("YUBIN_SMTP_PROXY_PROTOCOL", "true")
                        .environment("YUBIN_SMTP_HOSTNAME", name + ".example.test")
                        .environment("YUBIN_PASSWORD_HASH_MEMORY_KIB", "1024")
                        .environment("YUBIN_PASSWORD_HASH_ITERATIONS", "1");
                member.start(name + ".log");
                member.post("/api/v1/domains", "{\"name\":\"example.test\"}");
                member.post("/api/v1/users", "{\"address\":\"alice@example.test\",\"password\":\"" + PASSWORD + "\"}");
            }
            List<LineClient> open = new ArrayList<>();
            try (HaproxyProcess haproxy = new HaproxyProcess(logDir, a, b)) {
                // Connections until one lands on a (leastconn: the open ones keep the others busy).
                LineClient onA = null;
                while (onA == null) {
                    assertThat(open).as("no connection through HAProxy reached member a").hasSizeLessThan(10);
                    LineClient client = new LineClient(haproxy.connect("SMTP", "127.0.0.2"));
                    if (client.smtpReply().startsWith("220 a.example.test")) {
                        onA = client;
                    } else {
                        open.add(client);
                    }
                }
                open.add(onA);
                assertThat(onA.smtp("EHLO client.test")).startsWith("250 ");
                assertThat(onA.smtp("MAIL FROM:<sender@remote.test>")).startsWith("250 ");
                assertThat(onA.smtp("RCPT TO:<alice@example.test>")).startsWith("250 ");
                assertThat(onA.smtp("DATA")).startsWith("354 ");
                onA.send("Subject: finished on the stopping member");
                onA.send("");

                a.signalTerminate();
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
                        assertThatThrownBy(() -> new Socket(a.host(), a.mxPort()).close())
                                .isInstanceOf(ConnectException.class));
                assertThat(a.ready()).isFalse();

                // HAProxy's readiness check marks a down (503 from /health/ready, then refused); from
                // then on every new client is served by b, while a's open session goes on.
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(haproxy.log()).contains("smtp/yubin1 is DOWN"));
                for (int i = 0; i < 8; i++) {
                    try (LineClient client = new LineClient(haproxy.connect("SMTP", "127.0.0.3"))) {
                        assertThat(client.smtpReply()).as("connection %d after a was marked down", i)
                                .startsWith("220 b.example.test");
                        assertThat(client.smtp("QUIT")).startsWith("221 ");
                    }
                }

                onA.send("body");
                assertThat(onA.smtp(".")).startsWith("250 ");
                assertThat(onA.line()).isEqualTo("421 4.3.2 Service shutting down");
                assertThat(a.awaitExit(Duration.ofSeconds(30))).isZero();
            } finally {
                for (LineClient client : open) {
                    closeQuietly(client);
                }
            }
        }
    }

    private static void closeQuietly(LineClient client) {
        try {
            client.close();
        } catch (IOException e) {
            // closed by the server already
        }
    }
}
