package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A search waiting for the store holds no thread: more searches wait than there are search threads. */
class SearchYieldsTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private CountingBlobStore blobs;

    private static RawImapClient login(ImapHarness imap) throws Exception {
        RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls());
        c.line();
        assertThat(c.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\"").get(0))
                .startsWith("a OK");
        assertThat(c.command("s", "SELECT INBOX")).last().asString().startsWith("s OK");
        return c;
    }

    @Test
    void bodySearchesWaitingForBodiesLeaveTheSearchThreadsFree() throws Exception {
        try (ImapHarness imap = new ImapHarness(dir, false, b -> blobs = new CountingBlobStore(b))) {
            MailAddress alice = imap.addUser("alice");
            imap.deliver(alice, "Subject: one\r\n\r\nsoup today\r\n");
            imap.deliver(alice, "Subject: two\r\n\r\nnothing\r\n");
            int waiting = ImapServer.Pools.DEFAULT.searches() + 1;
            List<RawImapClient> bodySearches = new ArrayList<>();
            try {
                blobs.hold = true;
                for (int i = 0; i < waiting; i++) {
                    RawImapClient c = login(imap);
                    bodySearches.add(c);
                    c.send("b UID SEARCH BODY soup\r\n");
                }
                // Each of them now waits for a body; a search that held its thread meanwhile would
                // leave the last one without a thread to ask for its body.
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (blobs.heldCount() < waiting) {
                    assertThat(System.nanoTime()).as("%d body reads asked for", waiting).isLessThan(deadline);
                    Thread.sleep(20);
                }
                try (RawImapClient other = login(imap)) {
                    assertThat(other.command("f", "UID SEARCH UNSEEN")).containsExactly("* SEARCH 1 2",
                            "f OK SEARCH completed");
                }
                blobs.releaseHeld();
                for (RawImapClient c : bodySearches) {
                    assertThat(c.until("b")).containsExactly("* SEARCH 1", "b OK SEARCH completed");
                }
            } finally {
                blobs.releaseHeld();
                for (RawImapClient c : bodySearches) {
                    c.close();
                }
            }
        }
    }
}
