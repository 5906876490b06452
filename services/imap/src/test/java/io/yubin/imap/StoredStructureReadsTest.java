package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.store.BlobId;
import io.yubin.store.MailboxStore;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Which commands read message bodies, counted through a BlobStore wrapper over the real embedded one. */
class StoredStructureReadsTest {

    static final String LUNCH = "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: Amy <amy@example.org>\r\n"
            + "To: alice@example.test\r\nSubject: lunch\r\nMessage-ID: <1@example.org>\r\n\r\nsoup today\r\n";
    static final String REPLY = "Date: Tue, 2 Jan 2024 00:00:00 +0000\r\nFrom: zed@example.org\r\n"
            + "To: alice@example.test\r\nSubject: =?UTF-8?Q?Re:_lunch?=\r\nMessage-ID: <2@example.org>\r\n"
            + "In-Reply-To: <1@example.org>\r\nReferences: <1@example.org>\r\n\r\nyes\r\n";
    static final String AGENDA = "Date: Wed, 3 Jan 2024 00:00:00 +0000\r\nFrom: bob@example.org\r\n"
            + "To: alice@example.test\r\nCc: carol@example.org\r\nSubject: [list] agenda\r\n"
            + "X-Priority: 1\r\nMessage-ID: <3@example.org>\r\n\r\nsoup later\r\n";

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private CountingBlobStore blobs;
    /** Calls of {@link MailboxStore#structure}: the first step of preparing a message for FETCH. */
    private final AtomicInteger structureLookups = new AtomicInteger();
    private ImapHarness imap;
    private MailAddress alice;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, false, b -> blobs = new CountingBlobStore(b), m -> countingLookups(m));
        alice = imap.addUser("alice");
    }

    @AfterEach
    void stop() throws Exception {
        imap.close();
    }

    private RawImapClient login() throws Exception {
        RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls());
        c.line();
        assertThat(c.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\"").get(0))
                .startsWith("a OK");
        assertThat(c.command("s", "SELECT INBOX")).last().asString().startsWith("s OK");
        return c;
    }

    private void deliverThree() throws Exception {
        imap.deliver(alice, LUNCH);
        imap.deliver(alice, REPLY);
        imap.deliver(alice, AGENDA);
    }

    private List<MessageRecord> records() throws Exception {
        return ImapHarness.await(imap.storage.mailboxes().messages(imap.mailbox(alice, "INBOX").id(), UidSet.ALL));
    }

    private void headerKeysAnswer(RawImapClient c) throws Exception {
        assertThat(c.command("a", "UID SEARCH SUBJECT lunch")).containsExactly("* SEARCH 1 2", "a OK SEARCH completed");
        assertThat(c.command("b", "SEARCH FROM amy CC carol")).containsExactly("* SEARCH", "b OK SEARCH completed");
        assertThat(c.command("c", "SEARCH OR FROM amy CC carol")).containsExactly("* SEARCH 1 3",
                "c OK SEARCH completed");
        assertThat(c.command("d", "SEARCH HEADER X-Priority \"\"")).containsExactly("* SEARCH 3",
                "d OK SEARCH completed");
        assertThat(c.command("e", "SEARCH SENTSINCE 2-Jan-2024 NOT TO nobody")).containsExactly("* SEARCH 2 3",
                "e OK SEARCH completed");
        assertThat(c.command("f", "SORT (REVERSE SUBJECT) UTF-8 ALL")).containsExactly("* SORT 1 2 3",
                "f OK SORT completed");
        assertThat(c.command("g", "SORT (DATE) UTF-8 SUBJECT lunch")).containsExactly("* SORT 1 2",
                "g OK SORT completed");
        assertThat(c.command("h", "THREAD REFERENCES UTF-8 ALL")).containsExactly("* THREAD (1 2)(3)",
                "h OK THREAD completed");
    }

    @Test
    void headerSearchSortAndThreadReadNoBodyOnceTheStructureIsStored() throws Exception {
        deliverThree();
        try (RawImapClient c = login()) {
            assertThat(c.command("p", "FETCH 1:* ENVELOPE")).hasSize(4);
            assertThat(blobs.wholeReads.get()).isEqualTo(3);
            blobs.reset();
            headerKeysAnswer(c);
            assertThat(blobs.wholeReads.get()).isZero();
            assertThat(blobs.rangedReads).isEmpty();

            // BODY and TEXT still read bodies: only of messages the header keys let through.
            assertThat(c.command("i", "SEARCH SUBJECT lunch BODY soup")).containsExactly("* SEARCH 1",
                    "i OK SEARCH completed");
            assertThat(blobs.wholeReads.get()).isEqualTo(2);
        }
    }

    @Test
    void theFirstHeaderSearchReadsEachBodyOnceAndStoresItsStructure() throws Exception {
        deliverThree();
        try (RawImapClient c = login()) {
            assertThat(c.command("a", "SEARCH SUBJECT agenda")).containsExactly("* SEARCH 3", "a OK SEARCH completed");
            assertThat(blobs.wholeReads.get()).isEqualTo(3);
            blobs.reset();
            headerKeysAnswer(c);
            assertThat(c.command("p", "FETCH 1:* ENVELOPE")).hasSize(4);
            assertThat(blobs.wholeReads.get()).isZero();
        }
    }

    @Test
    void aStructureStoredByAnOlderFormatIsComputedAgainOnceAndReplaced() throws Exception {
        deliverThree();
        for (MessageRecord m : records()) {
            ImapHarness.await(imap.storage.mailboxes().putStructure(m.blob().id(),
                    StoredStructureFormats.formatOne("(NIL \"stored " + m.uid() + "\" NIL NIL NIL NIL NIL NIL NIL NIL)",
                            "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1 NIL NIL NIL NIL)",
                            "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)")));
        }
        try (RawImapClient c = login()) {
            // Its envelope was computed by older rules: not shown, the message is parsed again.
            assertThat(c.command("p", "FETCH 2 ENVELOPE").get(0)).startsWith(
                    "* 2 FETCH (ENVELOPE (\"Tue, 2 Jan 2024 00:00:00 +0000\" \"=?UTF-8?Q?Re:_lunch?=\" ");
            assertThat(blobs.wholeReads.get()).isEqualTo(1);

            headerKeysAnswer(c);
            assertThat(blobs.wholeReads.get()).isEqualTo(3);
            for (MessageRecord m : records()) {
                byte[] stored = ImapHarness.await(imap.storage.mailboxes().structure(m.blob().id())).orElseThrow();
                assertThat(io.yubin.imap.mime.MessageStructure.fromBytes(stored).current()).isTrue();
            }
            blobs.reset();
            headerKeysAnswer(c);
            assertThat(c.command("q", "FETCH 1:* ENVELOPE")).hasSize(4);
            assertThat(blobs.wholeReads.get()).isZero();
        }
    }

    @Test
    void theFirstEnvelopeFetchPreparesABoundedWindowOfMessagesAtOnceAndAnswersInOrder() throws Exception {
        int count = 20;
        for (int i = 1; i <= count; i++) {
            imap.deliver(alice, "From: bob@example.org\r\nSubject: number " + i + "\r\n\r\nbody " + i + "\r\n");
        }
        try (RawImapClient c = login()) {
            blobs.hold = true;
            int lookupsBefore = structureLookups.get();
            c.send("f FETCH 1:* (ENVELOPE)\r\n");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (blobs.heldCount() < ImapMessages.FETCH_AHEAD && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(blobs.heldCount()).isEqualTo(ImapMessages.FETCH_AHEAD);
            // No further message is started while the window is full. The window is filled in one
            // event-loop task that starts each message with its structure lookup; a read is held
            // only in a later task, after its lookup answered, and nothing refills the window
            // before a held read completes. So once reads are held, the lookups counted are every
            // message this FETCH has started: exactly the window.
            assertThat(structureLookups.get() - lookupsBefore).isEqualTo(ImapMessages.FETCH_AHEAD);
            blobs.releaseHeld();
            List<String> lines = c.until("f");
            assertThat(lines).hasSize(count + 1).last().isEqualTo("f OK FETCH completed");
            for (int i = 1; i <= count; i++) {
                assertThat(lines.get(i - 1)).startsWith("* " + i + " FETCH (ENVELOPE (NIL \"number " + i + "\" ");
            }
            assertThat(blobs.wholeReads.get()).isEqualTo(count);
        }
    }

    @Test
    void largeMessagesNarrowTheWindowToItsOctetBudget() throws Exception {
        String filler = ("x".repeat(76) + "\r\n").repeat(6 * 1024 * 1024 / 78);
        for (int i = 1; i <= 4; i++) {
            imap.deliver(alice, "Subject: big " + i + "\r\n\r\n" + filler);
        }
        try (RawImapClient c = login()) {
            blobs.hold = true;
            int lookupsBefore = structureLookups.get();
            c.send("f FETCH 1:* (ENVELOPE)\r\n");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (blobs.heldCount() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // 16 MiB in flight at most: two messages of 6 MiB, not three (started, as above, in
            // the one task that filled the window, before any read was held).
            assertThat(blobs.heldCount()).isEqualTo(2);
            assertThat(structureLookups.get() - lookupsBefore).isEqualTo(2);
            blobs.releaseHeld();
            List<String> lines = c.until("f");
            assertThat(lines).hasSize(5).last().isEqualTo("f OK FETCH completed");
            assertThat(lines.get(3)).startsWith("* 4 FETCH (ENVELOPE (NIL \"big 4\" ");
        }
    }

    @Test
    void partialsOfALargeMessagesPartsAreRangedReadsWithTheSameOctetsAsTheWholeMessagePath() throws Exception {
        StringBuilder big = new StringBuilder();
        for (int i = 0; big.length() < 5 * 1024 * 1024; i++) {
            big.append("line ").append(i).append(' ').append("y".repeat(60)).append("\r\n");
        }
        String text = "attached text, decoded by BINARY";
        String encoded = java.util.Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
        String message = "From: bob@example.org\r\nSubject: large\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
                + "Content-Type: text/plain\r\n\r\nfirst part\r\n--b1\r\n"
                + "Content-Type: text/plain\r\n\r\n" + big + "\r\n--b1\r\n"
                + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded
                + "\r\n--b1--\r\n";
        imap.deliver(alice, message);
        int second = message.indexOf("line 0 ");
        String header = message.substring(0, message.indexOf("\r\n\r\n") + 4);
        try (RawImapClient c = login()) {
            assertThat(c.command("a", "FETCH 1 (BODYSTRUCTURE)")).hasSize(2);
            assertThat(blobs.wholeReads.get()).isEqualTo(1);
            blobs.reset();

            List<String> ranged = List.of(
                    c.command("b", "FETCH 1 (BODY.PEEK[2]<1000000.500>)").get(0),
                    c.command("c", "FETCH 1 (BINARY.PEEK[3]<9.7> BINARY.SIZE[3])").get(0),
                    c.command("d", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])").get(0),
                    c.command("e", "FETCH 1 (BODY.PEEK[2]<" + (big.length() - 10) + ".500>)").get(0));
            assertThat(ranged).containsExactly(
                    "* 1 FETCH (BODY[2]<1000000> {500}\r\n" + big.substring(1_000_000, 1_000_500) + ")",
                    "* 1 FETCH (BINARY[3]<9> ~{7}\r\n" + text.substring(9, 16) + " BINARY.SIZE[3] "
                            + text.length() + ")",
                    "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: large\r\n\r\n)",
                    "* 1 FETCH (BODY[2]<" + (big.length() - 10) + "> {10}\r\n" + big.substring(big.length() - 10)
                            + ")");
            assertThat(blobs.wholeReads.get()).isZero();
            BlobId id = records().get(0).blob().id();
            int third = message.indexOf(encoded);
            assertThat(blobs.rangedReads).containsExactly(
                    new CountingBlobStore.RangedRead(id, second + 1_000_000, 500),
                    new CountingBlobStore.RangedRead(id, third, encoded.length()),
                    new CountingBlobStore.RangedRead(id, third, encoded.length()),
                    new CountingBlobStore.RangedRead(id, 0, header.length()),
                    new CountingBlobStore.RangedRead(id, second + big.length() - 10, 10));

            // The whole-message path (a structure in a format no longer read) answers the same octets.
            ImapHarness.await(imap.storage.mailboxes().putStructure(id,
                    StoredStructureFormats.formatOne("NIL", "NIL", "NIL")));
            blobs.reset();
            List<String> whole = List.of(
                    c.command("f", "FETCH 1 (BODY.PEEK[2]<1000000.500>)").get(0),
                    c.command("g", "FETCH 1 (BINARY.PEEK[3]<9.7> BINARY.SIZE[3])").get(0),
                    c.command("h", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])").get(0),
                    c.command("i", "FETCH 1 (BODY.PEEK[2]<" + (big.length() - 10) + ".500>)").get(0));
            assertThat(whole).isEqualTo(ranged);
            // Only the first read the whole message: it stored the structure with offsets again.
            assertThat(blobs.wholeReads.get()).isEqualTo(1);
            assertThat(blobs.rangedReads).hasSize(4);
        }
    }

    private MailboxStore countingLookups(MailboxStore store) {
        return (MailboxStore) Proxy.newProxyInstance(MailboxStore.class.getClassLoader(),
                new Class<?>[] {MailboxStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("structure")) {
                        structureLookups.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
