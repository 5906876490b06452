package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large APPEND literals go to a temporary file as they arrive and large FETCH sections are streamed
 * from the blob ({@link ImapMessages#STREAM_THRESHOLD}); both give the same octets as the in-memory
 * paths, and no temporary file outlives its command.
 */
class StreamedLiteralsTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private CountingBlobStore blobs;
    private ImapHarness imap;
    private MailAddress alice;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, false, b -> blobs = new CountingBlobStore(b));
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
        return c;
    }

    private static String letters(Random random, int n) {
        StringBuilder s = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private static Set<Path> literalFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("yubin-imap-")).collect(Collectors.toSet());
        }
    }

    /** Waits (briefly) until no temporary literal file but those of {@code before} is left. */
    private static void noLiteralFileLeftBeyond(Set<Path> before) throws Exception {
        Set<Path> left = Set.of();
        for (int i = 0; i < 50; i++) {
            left = literalFiles().stream().filter(p -> !before.contains(p)).collect(Collectors.toSet());
            if (left.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(left).as("temporary literal files left").isEmpty();
    }

    @Test
    void aLargeStoredBodyWithNulsIsSentWithoutThemInBodyAndWithThemInBinary() throws Exception {
        // Stored as it came (a BINARYMIME delivery): the streamed BODY[] literal carries no NUL (RFC 9051
        // §4.3), 0x80 in its place so the length stays; BINARY[]'s literal8 carries the octets.
        String octets = "ab\0cd\r\n".repeat(300_000);
        String message = "Subject: binary\r\nContent-Transfer-Encoding: binary\r\n\r\n" + octets;
        imap.deliver(alice, message);
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            c.command("w", "FETCH 1 (BODY.PEEK[TEXT])"); // the structure is stored: the next reads stream
            blobs.reset();
            List<String> streamed = c.command("b", "FETCH 1 (BODY.PEEK[TEXT] BINARY.PEEK[1])");
            assertThat(blobs.rangedReads).isNotEmpty().allMatch(r -> r.length() >= ImapMessages.STREAM_THRESHOLD);
            // (This client reads UTF-8: the lone 0x80 shows as U+FFFD.)
            assertThat(streamed.get(0)).isEqualTo("* 1 FETCH (BODY[TEXT] {" + octets.length() + "}\r\n"
                    + octets.replace('\0', '\uFFFD') + " BINARY[1] ~{" + octets.length() + "}\r\n" + octets + ")");
        }
    }

    @Test
    void largeSectionsStreamedFromTheBlobEqualTheInMemoryOnes() throws Exception {
        Random random = new Random(7);
        String decoded = letters(random, 1_800_000);
        String base64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(decoded.getBytes(StandardCharsets.US_ASCII)) + "\r\n";
        String qpLine = "x=3Dy ".repeat(9) + "x=3Dy\r\n";
        String qp = qpLine.repeat(26_000);
        String message = "From: amy@example.org\r\nTo: alice@example.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
                + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64
                + "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + qp
                + "--b--\r\n";
        imap.deliver(alice, message);
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            String items = "(BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[3]<10.1000000> BODY.PEEK[TEXT] BODY.PEEK[2]"
                    + " BODY.PEEK[]<5.2000000>)";
            // The first time the structure is not stored: the message is read whole and cut in memory.
            List<String> inMemory = c.command("b", "FETCH 1 " + items);
            assertThat(inMemory).last().asString().isEqualTo("b OK FETCH completed");
            blobs.reset();
            // Now the sections are ranged reads, streamed since each is over the threshold.
            List<String> streamed = c.command("c", "FETCH 1 " + items);
            assertThat(streamed).last().asString().isEqualTo("c OK FETCH completed");
            assertThat(blobs.wholeReads.get()).isZero();
            assertThat(blobs.rangedReads).isNotEmpty().allMatch(r -> r.length() >= ImapMessages.STREAM_THRESHOLD);
            assertThat(streamed.get(0)).isEqualTo(inMemory.get(0));

            String qpDecoded = ("x=y ".repeat(9) + "x=y\r\n").repeat(26_000);
            String body = message.substring(message.indexOf("\r\n\r\n") + 4);
            int part2 = message.indexOf(base64);
            String expected = "* 1 FETCH (BINARY[2] ~{" + decoded.length() + "}\r\n" + decoded
                    + " BINARY.SIZE[2] " + decoded.length()
                    + " BINARY[3]<10> ~{1000000}\r\n" + qpDecoded.substring(10, 1_000_010)
                    + " BODY[TEXT] {" + body.length() + "}\r\n" + body
                    // RFC 2046 §5.1.1: the CRLF before a boundary belongs to the boundary.
                    + " BODY[2] {" + (base64.length() - 2) + "}\r\n"
                    + message.substring(part2, part2 + base64.length() - 2)
                    + " BODY[]<5> {2000000}\r\n" + message.substring(5, 2_000_005) + ")";
            int differs = 0;
            while (differs < Math.min(expected.length(), streamed.get(0).length())
                    && expected.charAt(differs) == streamed.get(0).charAt(differs)) {
                differs++;
            }
            assertThat(differs).as("first octet that differs, of %d", expected.length()).isEqualTo(expected.length());
            assertThat(streamed.get(0)).hasSameSizeAs(expected);
        }
    }

    @Test
    void largeAppendLiteralsAreStoredWholeAndLeaveNoTemporaryFile() throws Exception {
        Set<Path> before = literalFiles();
        String big = "Subject: big\r\n\r\n" + ("y".repeat(76) + "\r\n").repeat(10_000);
        try (RawImapClient c = login()) {
            // RFC 7888 LITERAL+: the octets follow at once.
            c.send("b APPEND INBOX {" + big.length() + "+}\r\n" + big + "\r\n");
            assertThat(c.until("b")).last().asString().startsWith("b OK [APPENDUID ");
            c.send("c APPEND INBOX (\\Seen) {" + big.length() + "}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send(big + "\r\n");
            assertThat(c.until("c")).last().asString().startsWith("c OK [APPENDUID ");
            c.send("d APPEND Nowhere {" + big.length() + "}\r\n");
            assertThat(c.line()).startsWith("+ ");
            c.send(big + "\r\n");
            assertThat(c.until("d")).containsExactly("d NO [TRYCREATE] No such mailbox");
            // Refused before a single octet is sent (RFC 7889 §3).
            assertThat(c.command("e", "APPEND INBOX {" + (50L * 1024 * 1024 + 1) + "}")).last().asString()
                    .startsWith("e NO [TOOBIG]");
            c.command("s", "SELECT INBOX");
            assertThat(c.command("f", "FETCH 1:* (RFC822.SIZE BODY.PEEK[])")).containsExactly(
                    "* 1 FETCH (RFC822.SIZE " + big.length() + " BODY[] {" + big.length() + "}\r\n" + big + ")",
                    "* 2 FETCH (RFC822.SIZE " + big.length() + " BODY[] {" + big.length() + "}\r\n" + big + ")",
                    "f OK FETCH completed");
            assertThat(c.command("g", "FETCH 2 FLAGS")).first().asString().contains("\\Seen");
        }
        noLiteralFileLeftBeyond(before);
    }

    @Test
    void aConnectionClosedInsideALargeLiteralLeavesNoTemporaryFile() throws Exception {
        Set<Path> before = literalFiles();
        try (RawImapClient c = login()) {
            c.send("b APPEND INBOX {2000000+}\r\n" + "z".repeat(700_000));
            // Closed only once the server is writing the literal to its temporary file.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (literalFiles().stream().allMatch(before::contains)) {
                assertThat(System.nanoTime()).as("a temporary literal file appeared").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
        noLiteralFileLeftBeyond(before);
        try (RawImapClient c = login()) {
            assertThat(c.command("s", "STATUS INBOX (MESSAGES)")).first().asString()
                    .isEqualTo("* STATUS \"INBOX\" (MESSAGES 0)");
        }
    }
}
