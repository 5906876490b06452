package io.yubin.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ListenerSet#shutdown}: no new connections, sessions end at rest or at the end of the grace period. */
class ListenerSetShutdownTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    private static final Duration LONG = Duration.ofMinutes(5);

    @Test
    void endsSessionsAtRestAtOnceAndBusyOnesWhenTheirWorkIsDone() throws Exception {
        try (EchoServer server = new EchoServer(100, LONG);
                TestClient idle = TestClient.connect(server.port());
                TestClient inTransaction = TestClient.connect(server.port());
                TestClient running = TestClient.connect(server.port())) {
            int port = server.port();
            idle.line();
            inTransaction.line();
            assertThat(inTransaction.command("BEGIN")).isEqualTo("OK BEGIN");
            running.line();
            running.send("BLOCK\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.record.gate != null);

            // A grace period far longer than the test: every session here ends before it.
            Future<Void> stopped = server.listeners.shutdown(Duration.ofMinutes(2));

            assertThat(idle.line()).isEqualTo("BYE shutting down");
            assertThat(idle.closedByServer()).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> TestClient.connect(port).close()).isInstanceOf(ConnectException.class));

            // The transaction goes on until it is committed, then the session ends.
            assertThat(inTransaction.command("MORE")).isEqualTo("ECHO MORE");
            assertThat(inTransaction.command("COMMIT")).isEqualTo("OK COMMIT");
            assertThat(inTransaction.line()).isEqualTo("BYE shutting down");
            assertThat(inTransaction.closedByServer()).isTrue();

            // The running unit finishes and is answered, then the session ends.
            EchoConnection.open(server.record);
            assertThat(running.line()).isEqualTo("BLOCKED done");
            assertThat(running.line()).isEqualTo("BYE shutting down");
            assertThat(running.closedByServer()).isTrue();

            stopped.await(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> server.listeners.openConnections() == 0);
        }
    }

    @Test
    void endsWhatIsStillBusyAtTheEndOfTheGracePeriod() throws Exception {
        try (EchoServer server = new EchoServer(100, LONG); TestClient client = TestClient.connect(server.port())) {
            client.line();
            assertThat(client.command("BEGIN")).isEqualTo("OK BEGIN");
            Future<Void> stopped = server.listeners.shutdown(Duration.ofMillis(500));
            client.readTimeout(Duration.ofSeconds(20));
            assertThat(client.line()).isEqualTo("BYE shutting down");
            assertThat(client.closedByServer()).isTrue();
            stopped.await(30, TimeUnit.SECONDS);
            // The connection's close handler runs on its own loop, maybe just after.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(server.record.closed).containsExactly("closed"));
        }
    }
}
