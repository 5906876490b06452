package io.yubin.pop3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link Pop3Server#shutdown}: a session between commands ends at once with -ERR and removes nothing. */
@ExtendWith(BlockedThreadWatch.class)
class Pop3ShutdownTest {

    @TempDir
    Path dir;
    Pop3Harness pop3;
    MailAddress alice;

    @BeforeEach
    void start() throws Exception {
        pop3 = new Pop3Harness(dir, true, null);
        alice = pop3.addUser("alice");
        pop3.deliver(alice, "Subject: one\r\n\r\nbody\r\n");
    }

    @AfterEach
    void stop() throws Exception {
        pop3.close();
    }

    @Test
    void endsASessionBetweenCommandsWithSysTempAndRemovesNothingMarkedDeleted() throws Exception {
        try (RawPop3Client c = RawPop3Client.connect(pop3.server.actualPort())) {
            assertThat(c.line()).startsWith("+OK");
            assertThat(c.command("USER alice@example.test")).startsWith("+OK");
            assertThat(c.command("PASS " + Pop3Harness.PASSWORD)).startsWith("+OK");
            assertThat(c.command("DELE 1")).startsWith("+OK");

            Future<Void> stopped = pop3.server.shutdown(Duration.ofMinutes(2));

            assertThat(c.line()).isEqualTo("-ERR [SYS/TEMP] Server shutting down");
            assertThat(c.closedByServer(10_000)).isTrue();
            stopped.await(30, TimeUnit.SECONDS);
        }
        // RFC 1939 §6: only QUIT removes what DELE marked; the maildrop lock is given back.
        assertThat(pop3.messages(alice)).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !pop3.maildropLocked(alice));
    }
}
