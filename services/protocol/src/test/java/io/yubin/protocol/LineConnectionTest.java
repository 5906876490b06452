package io.yubin.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.testing.vertx.BlockedThreadWatch;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The socket side every protocol shares, through {@link EchoConnection}. */
class LineConnectionTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    private static final Duration LONG = Duration.ofMinutes(5);

    @Test
    void handlesPipelinedUnitsOneAtATimeInOrder() throws Exception {
        try (EchoServer server = new EchoServer(100, LONG); TestClient client = TestClient.connect(server.port())) {
            assertThat(client.line()).isEqualTo("HELLO");
            client.send("BLOCK\r\nA\r\nB\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.record.framed.contains("B"));
            // A and B are framed, but wait for the running BLOCK.
            assertThat(server.record.running).containsExactly("BLOCK");
            EchoConnection.open(server.record);
            assertThat(client.line()).isEqualTo("BLOCKED done");
            assertThat(client.line()).isEqualTo("ECHO A");
            assertThat(client.line()).isEqualTo("ECHO B");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.record.handled.size() == 3);
            assertThat(server.record.handled).containsExactly("BLOCK", "A", "B");
        }
    }

    @Test
    void pausesReadingWhileTooMuchWaitsAndResumesAtHalf() throws Exception {
        try (EchoServer server = new EchoServer(4, LONG); TestClient client = TestClient.connect(server.port())) {
            client.line();
            client.send("BLOCK\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.record.gate != null);
            for (int i = 0; i < 20; i++) {
                client.send("L" + i + "\r\n");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.flow.contains("pause"));
            assertThat(server.record.framed.size()).as("framed before reading paused").isLessThan(21);
            EchoConnection.open(server.record);
            assertThat(client.line()).isEqualTo("BLOCKED done");
            for (int i = 0; i < 20; i++) {
                assertThat(client.line()).isEqualTo("ECHO L" + i);
            }
            assertThat(server.flow).containsSubsequence("pause", "resume");
        }
    }

    @Test
    void startTlsDropsPlaintextPipelinedAfterTheCommand() throws Exception {
        try (EchoServer server = new EchoServer(100, LONG); TestClient client = TestClient.connect(server.port())) {
            client.line();
            client.send("STARTTLS\r\nINJECTED\r\n");
            assertThat(client.line()).isEqualTo("OK go");
            client.startTls();
            assertThat(client.command("AFTER")).isEqualTo("ECHO AFTER over TLS");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.record.handled.size() == 2);
            assertThat(server.record.handled).containsExactly("STARTTLS", "AFTER");
            assertThat(server.record.dropped).containsExactly("INJECTED");
        }
    }

    @Test
    void startTlsWorksOnEveryEventLoop() throws Exception {
        try (EchoServer server = new EchoServer(100, LONG)) {
            for (int i = 0; i < 4; i++) {
                try (TestClient client = TestClient.connect(server.port())) {
                    client.line();
                    assertThat(client.command("STARTTLS")).isEqualTo("OK go");
                    client.startTls();
                    assertThat(client.command("X" + i)).isEqualTo("ECHO X" + i + " over TLS");
                }
            }
        }
    }

    @Test
    void idleTimeoutCountsOnlyWhileWaitingForTheClient() throws Exception {
        Duration idle = Duration.ofMillis(300);
        try (EchoServer server = new EchoServer(100, idle); TestClient client = TestClient.connect(server.port())) {
            client.line();
            client.send("BLOCK\r\n");
            await().atMost(Duration.ofSeconds(10)).until(() -> server.record.gate != null);
            // The server works for three idle timeouts: that is not the client being idle.
            EchoConnection.openAfter(server.record, idle.multipliedBy(3));
            assertThat(client.line()).isEqualTo("BLOCKED done");
            // A unit waiting for the client's next line is waiting for the client.
            client.send("READ\r\n");
            assertThat(client.line()).isEqualTo("IDLE");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void closingDropsWhatWasNotHandledAndRunsTheCloseHookOnce() throws Exception {
        try (EchoServer server = new EchoServer(100, LONG)) {
            try (TestClient client = TestClient.connect(server.port())) {
                client.line();
                client.send("BLOCK\r\nA\r\n");
                await().atMost(Duration.ofSeconds(10)).until(() -> server.record.framed.contains("A"));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !server.record.closed.isEmpty());
            assertThat(server.record.dropped).containsExactly("A");
            EchoConnection.open(server.record);
            try (TestClient client = TestClient.connect(server.port())) {
                client.line();
                assertThat(client.command("QUIT")).isEqualTo("BYE");
                assertThat(client.closedByServer()).isTrue();
            }
            try (TestClient client = TestClient.connect(server.port())) {
                client.line();
                client.send("FAIL\r\nNEVER\r\n");
                assertThat(client.closedByServer()).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.record.closed.size() == 3);
            assertThat(server.record.handled).doesNotContain("A", "NEVER");
        }
    }
}
