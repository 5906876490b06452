package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@link ImapServer#shutdown}: IDLE ends with BYE at once, an APPEND whose literal is arriving finishes first. */
@ExtendWith(BlockedThreadWatch.class)
class ImapShutdownTest {

    private static final String BYE = "* BYE Server shutting down";

    @TempDir
    Path dir;
    ImapHarness imap;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, true);
        imap.addUser("alice");
    }

    @AfterEach
    void stop() throws Exception {
        imap.close();
    }

    private static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    @Test
    void idleEndsAtOnceAndAnAppendUnderWayFinishesFirst() throws Exception {
        try (RawImapClient idle = new RawImapClient(imap.server.actualPort());
                RawImapClient append = new RawImapClient(imap.server.actualPort())) {
            idle.line();
            assertThat(last(idle.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\""))).startsWith("a OK");
            assertThat(last(idle.command("b", "SELECT INBOX"))).startsWith("b OK");
            idle.send("c IDLE\r\n");
            assertThat(idle.line()).startsWith("+ ");

            append.line();
            assertThat(last(append.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\""))).startsWith("a OK");
            byte[] message = "Subject: appended\r\n\r\nwhile the server stops\r\n".getBytes(StandardCharsets.US_ASCII);
            append.send("b APPEND INBOX {" + message.length + "}\r\n");
            assertThat(append.line()).startsWith("+ ");
            append.send(new String(message, 0, 10, StandardCharsets.US_ASCII));

            Future<Void> stopped = imap.server.shutdown(Duration.ofMinutes(2));

            assertThat(idle.line()).isEqualTo(BYE);
            assertThat(idle.line()).isNull();
            // The literal is on its way: the command completes, then the session ends.
            append.send(new String(message, 10, message.length - 10, StandardCharsets.US_ASCII) + "\r\n");
            assertThat(append.line()).startsWith("b OK [APPENDUID ");
            assertThat(append.line()).isEqualTo(BYE);
            assertThat(append.line()).isNull();
            stopped.await(30, TimeUnit.SECONDS);
        }
    }
}
