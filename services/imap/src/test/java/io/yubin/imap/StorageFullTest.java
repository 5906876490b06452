package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk: APPEND says so and stores nothing, then works once there is room. */
class StorageFullTest {

    @TempDir
    Path dir;

    private CountingBlobStore blobs;
    private ImapHarness imap;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, false, b -> blobs = new CountingBlobStore(b));
        imap.addUser("alice");
    }

    @AfterEach
    void stop() throws Exception {
        imap.close();
    }

    @Test
    void appendOnAFullDiskIsUnavailableSaysWhyAndStoresNothing() throws Exception {
        try (RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls())) {
            c.line();
            assertThat(c.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\"").get(0))
                    .startsWith("a OK");
            String message = "Subject: x\r\n\r\nbody\r\n";
            blobs.full = true;
            // Not OVERQUOTA: the user's quota is not what is full.
            assertThat(c.command("b", "APPEND INBOX {" + message.length() + "+}\r\n" + message)).containsExactly(
                    "b NO [UNAVAILABLE] The server's storage is full, try again later");
            assertThat(c.command("c", "STATUS INBOX (MESSAGES)")).contains("* STATUS \"INBOX\" (MESSAGES 0)");
            blobs.full = false;
            assertThat(c.command("d", "APPEND INBOX {" + message.length() + "+}\r\n" + message)).last().asString()
                    .startsWith("d OK [APPENDUID ");
            assertThat(c.command("e", "STATUS INBOX (MESSAGES)")).contains("* STATUS \"INBOX\" (MESSAGES 1)");
        }
    }
}
