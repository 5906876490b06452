package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link SmtpServer#shutdown}: sessions between transactions end at once, a transaction finishes first. */
@ExtendWith(BlockedThreadWatch.class)
class SmtpShutdownTest {

    private static final String SHUTTING_DOWN = "421 4.3.2 Service shutting down";

    @TempDir
    Path dir;
    TestServer t;

    @BeforeEach
    void start() throws Exception {
        t = new TestServer(dir);
    }

    @AfterEach
    void stop() throws Exception {
        t.close();
    }

    @Test
    void aBdatTransactionFinishesAndIsKeptThenTheSessionEnds() throws Exception {
        try (SmtpTestClient idle = t.connect(SmtpServer.Mode.MX); SmtpTestClient busy = t.connect(SmtpServer.Mode.MX)) {
            idle.reply();
            idle.ehlo();
            busy.reply();
            busy.ehlo();
            assertThat(busy.command("MAIL FROM:<sender@remote.example>")).startsWith("250 ");
            assertThat(busy.command("RCPT TO:<alice@example.org>")).startsWith("250 ");
            byte[] first = "Subject: chunked\r\n\r\nfirst ".getBytes(StandardCharsets.US_ASCII);
            busy.send("BDAT " + first.length + "\r\n");
            busy.sendBytes(first);
            assertThat(busy.reply()).startsWith("250 ");

            Future<Void> stopped = t.server.shutdown(Duration.ofMinutes(2));

            assertThat(idle.reply()).isEqualTo(SHUTTING_DOWN);
            assertThat(idle.closedByServer()).isTrue();
            // Between chunks the transaction is under way: it goes on.
            busy.send("BDAT 5 LAST\r\nend\r\n");
            assertThat(busy.reply()).startsWith("250 ");
            assertThat(busy.reply()).isEqualTo(SHUTTING_DOWN);
            assertThat(busy.closedByServer()).isTrue();
            stopped.await(30, TimeUnit.SECONDS);
        }
        assertThat(t.spooled()).hasSize(1);
        assertThat(t.body(t.spooled().get(0))).endsWith("first end\r\n");
    }

    @Test
    void aTransactionNotFinishedWithinTheGracePeriodIsEndedAndNotKept() throws Exception {
        try (SmtpTestClient busy = t.connect(SmtpServer.Mode.MX)) {
            busy.reply();
            busy.ehlo();
            assertThat(busy.command("MAIL FROM:<sender@remote.example>")).startsWith("250 ");
            assertThat(busy.command("RCPT TO:<alice@example.org>")).startsWith("250 ");
            assertThat(busy.command("DATA")).startsWith("354 ");
            busy.send("Subject: never finished\r\n\r\nhalf");

            Future<Void> stopped = t.server.shutdown(Duration.ofMillis(500));

            assertThat(busy.reply()).isEqualTo(SHUTTING_DOWN);
            assertThat(busy.closedByServer()).isTrue();
            stopped.await(30, TimeUnit.SECONDS);
        }
        assertThat(t.spooled()).isEmpty();
    }
}
