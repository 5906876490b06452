package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Exact responses over the wire (RFC 9051 and the extensions advertised). */
class ImapProtocolTest {

    static final String FIRST = "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: Bob <bob@example.org>\r\n"
            + "To: alice@example.test\r\nSubject: first\r\nMessage-ID: <1@example.org>\r\n\r\nHello Alice\r\n";
    static final String MIXED = "From: carol@example.org\r\nTo: alice@example.test\r\nSubject: =?UTF-8?B?5L2g5aW9?=\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\nbody text\r\n--b1\r\n"
            + "Content-Type: application/octet-stream; name=\"a.bin\"\r\nContent-Transfer-Encoding: base64\r\n"
            + "Content-Disposition: attachment; filename=\"a.bin\"\r\n\r\nAAEC\r\n--b1--\r\n";

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private ImapHarness imap;
    private MailAddress alice;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, false);
        alice = imap.addUser("alice");
    }

    @AfterEach
    void stop() throws Exception {
        imap.close();
    }

    private RawImapClient login() throws Exception {
        RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls());
        assertThat(c.line()).startsWith("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 AUTH=PLAIN SASL-IR");
        assertThat(last(c.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\"")))
                .startsWith("a OK [CAPABILITY");
        return c;
    }

    private static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    @Test
    void plaintextPortAdvertisesStartTlsAndLoginDisabledThenAuthenticatesAfterStartTls() throws Exception {
        try (RawImapClient c = new RawImapClient(imap.server.actualPort())) {
            String greeting = c.line();
            assertThat(greeting).contains("STARTTLS").contains("LOGINDISABLED").doesNotContain("AUTH=PLAIN");
            assertThat(last(c.command("a", "LOGIN alice@example.test x"))).startsWith("a NO [PRIVACYREQUIRED]");
            assertThat(last(c.command("b", "STARTTLS"))).isEqualTo("b OK Begin TLS negotiation now");
            c.startTls(imap.clientTls());
            List<String> caps = c.command("c", "CAPABILITY");
            assertThat(caps.get(0)).contains("AUTH=PLAIN").doesNotContain("STARTTLS").doesNotContain("LOGINDISABLED");
            String plain = Base64.getEncoder().encodeToString(("\0alice@example.test\0" + ImapHarness.PASSWORD)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(last(c.command("d", "AUTHENTICATE PLAIN " + plain))).startsWith("d OK");
        }
    }

    @Test
    void badCredentialsAreRefusedAndUnknownCommandsAreBad() throws Exception {
        try (RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls())) {
            c.line();
            assertThat(last(c.command("a", "LOGIN alice@example.test wrong"))).startsWith("a NO [AUTHENTICATIONFAILED]");
            assertThat(last(c.command("b", "FROBNICATE"))).isEqualTo("b BAD Unknown command FROBNICATE");
            assertThat(last(c.command("c", "SELECT INBOX"))).isEqualTo("c BAD SELECT is not valid before login");
        }
    }

    @Test
    void listShowsTheDefaultMailboxesWithSpecialUse() throws Exception {
        try (RawImapClient c = login()) {
            List<String> lines = c.command("b", "LIST \"\" \"*\"");
            assertThat(lines).contains("* LIST (\\HasNoChildren \\Subscribed) \"/\" \"INBOX\"",
                    "* LIST (\\HasNoChildren \\Subscribed \\Junk) \"/\" \"Junk\"",
                    "* LIST (\\HasNoChildren \\Subscribed \\Sent) \"/\" \"Sent\"");
            assertThat(last(lines)).isEqualTo("b OK LIST completed");
            assertThat(c.command("c", "LIST \"\" \"\"")).containsExactly("* LIST (\\Noselect) \"/\" \"\"",
                    "c OK LIST completed");
        }
    }

    @Test
    void selectReportsCountsAndFetchReturnsExactItems() throws Exception {
        imap.deliver(alice, FIRST);
        imap.deliver(alice, MIXED);
        long validity = imap.mailbox(alice, "INBOX").uidValidity();
        try (RawImapClient c = login()) {
            List<String> select = c.command("s", "SELECT INBOX");
            assertThat(select).contains("* 2 EXISTS", "* 2 RECENT", "* OK [UIDVALIDITY " + validity + "] UIDs valid",
                    "* OK [UIDNEXT 3] Predicted next UID", "s OK [READ-WRITE] SELECT completed");
            assertThat(c.command("f", "FETCH 1 (UID FLAGS RFC822.SIZE INTERNALDATE)")).containsExactly(
                    "* 1 FETCH (UID 1 FLAGS (\\Recent) RFC822.SIZE " + FIRST.length()
                            + " INTERNALDATE \"02-Jan-2024 03:04:05 +0000\")",
                    "f OK FETCH completed");
            assertThat(c.command("e", "FETCH 1 ENVELOPE").get(0)).isEqualTo("* 1 FETCH (ENVELOPE ("
                    + "\"Mon, 1 Jan 2024 00:00:00 +0000\" \"first\" ((\"Bob\" NIL \"bob\" \"example.org\")) "
                    + "((\"Bob\" NIL \"bob\" \"example.org\")) ((\"Bob\" NIL \"bob\" \"example.org\")) "
                    + "((NIL NIL \"alice\" \"example.test\")) NIL NIL NIL \"<1@example.org>\"))");
            assertThat(c.command("g", "FETCH 2 BODYSTRUCTURE").get(0)).isEqualTo("* 2 FETCH (BODYSTRUCTURE ("
                    + "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 9 1 NIL NIL NIL NIL)"
                    + "(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"a.bin\") NIL NIL \"BASE64\" 4 NIL "
                    + "(\"ATTACHMENT\" (\"FILENAME\" \"a.bin\")) NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL))");
            assertThat(c.command("h", "FETCH 2 (BODY.PEEK[1] BODY.PEEK[HEADER.FIELDS (FROM)] BINARY.PEEK[2])")
                    .get(0)).isEqualTo("* 2 FETCH (BODY[1] {9}\r\nbody text BODY[HEADER.FIELDS (FROM)] {27}\r\n"
                    + "From: carol@example.org\r\n\r\n BINARY[2] ~{3}\r\n\0\1\2)");
            assertThat(c.command("i", "FETCH 1 BODY[]<0.4>")).containsExactly(
                    "* 1 FETCH (BODY[]<0> {4}\r\nDate)", "* 1 FETCH (FLAGS (\\Recent \\Seen))", "i OK FETCH completed");
            // RFC 3516 (part of IMAP4rev2, advertised for IMAP4rev1 clients): APPEND takes a literal8,
            // whose octets may hold NUL, and gives them back whole.
            assertThat(c.command("j", "CAPABILITY").get(0)).contains(" BINARY ");
            String binary = "Subject: nul\r\nContent-Transfer-Encoding: binary\r\n\r\na\0b\r\n";
            assertThat(c.command("k", "APPEND INBOX ~{" + binary.length() + "+}\r\n" + binary))
                    .last().asString().startsWith("k OK [APPENDUID " + validity + " 3]");
            assertThat(c.command("l", "UID FETCH 3 (BINARY.PEEK[1] BINARY.SIZE[1])")).contains(
                    "* 3 FETCH (UID 3 BINARY[1] ~{5}\r\na\0b\r\n BINARY.SIZE[1] 5)");
            // Stored as base64 (RFC 3516 §4.3): BODY[] needs no NUL in its literal (RFC 9051 §4.3).
            assertThat(c.command("m", "UID FETCH 3 (BODY.PEEK[TEXT])").get(0)).doesNotContain("\0")
                    .contains("YQBiDQo=");
            // A NUL stored as it came (here by delivery, as BINARYMIME brings it) is 0x80 in BODY[]
            // and itself in BINARY[].
            imap.deliver(alice, "Subject: raw\r\n\r\nx\0y\r\n");
            assertThat(c.command("n0", "NOOP")).contains("* 4 EXISTS");
            // (This client reads UTF-8: the lone 0x80 shows as U+FFFD.)
            assertThat(c.command("n", "UID FETCH 4 (BODY.PEEK[TEXT] BINARY.PEEK[1])")).contains(
                    "* 4 FETCH (UID 4 BODY[TEXT] {5}\r\nx\uFFFDy\r\n BINARY[1] ~{5}\r\nx\0y\r\n)");
        }
    }

    @Test
    void storeCopyMoveAndExpungeWithUidplusResponses() throws Exception {
        imap.deliver(alice, FIRST);
        imap.deliver(alice, FIRST);
        long archive = imap.mailbox(alice, "Archive").uidValidity();
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            assertThat(c.command("a", "STORE 1 +FLAGS (\\Flagged)")).containsExactly(
                    "* 1 FETCH (FLAGS (\\Recent \\Flagged))", "a OK STORE completed");
            assertThat(c.command("b", "UID COPY 1:2 Archive")).containsExactly(
                    "b OK [COPYUID " + archive + " 1:2 1:2] COPY completed");
            assertThat(c.command("c", "UID MOVE 2 Trash")).hasSize(3).contains("* 2 EXPUNGE", "c OK MOVE completed");
            assertThat(c.command("d", "STORE 1 +FLAGS.SILENT (\\Deleted)")).containsExactly("d OK STORE completed");
            assertThat(c.command("e", "EXPUNGE")).containsExactly("* 1 EXPUNGE", "e OK EXPUNGE completed");
            assertThat(c.command("f", "COPY 1 Archive")).containsExactly(
                    "f BAD No messages: sequence numbers are invalid");
        }
    }

    @Test
    void appendReturnsAppendUidAndSearchFindsByHeaderAndBody() throws Exception {
        long validity = imap.mailbox(alice, "INBOX").uidValidity();
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            c.send("a APPEND INBOX (\\Seen) {" + MIXED.length() + "}\r\n");
            assertThat(c.line()).isEqualTo("+ Ready for literal data");
            c.send(MIXED + "\r\n");
            assertThat(c.until("a")).containsExactly("* 1 EXISTS", "* 1 RECENT",
                    "a OK [APPENDUID " + validity + " 1] APPEND completed");
            c.send("b APPEND INBOX {" + FIRST.length() + "+}\r\n" + FIRST + "\r\n");
            assertThat(last(c.until("b"))).isEqualTo("b OK [APPENDUID " + validity + " 2] APPEND completed");
            assertThat(c.command("c", "SEARCH SUBJECT 你好")).containsExactly("* SEARCH 1", "c OK SEARCH completed");
            assertThat(c.command("d", "UID SEARCH BODY \"hello alice\"")).containsExactly("* SEARCH 2",
                    "d OK SEARCH completed");
            assertThat(c.command("e", "SEARCH UNSEEN")).containsExactly("* SEARCH 2", "e OK SEARCH completed");
            assertThat(c.command("f", "SEARCH RETURN (MIN COUNT) ALL")).containsExactly(
                    "* ESEARCH (TAG \"f\") MIN 1 COUNT 2", "f OK SEARCH completed");
            assertThat(c.command("g", "SEARCH CHARSET KOI8-R ALL")).containsExactly(
                    "g NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
            // RFC 4731 §3.1: a result option the server does not know is BAD (PARTIAL, RFC 9394, is not offered).
            assertThat(c.command("h", "SEARCH RETURN (COUNT PARTIAL 1:10) ALL")).containsExactly(
                    "h BAD Unknown SEARCH return option PARTIAL");
            // A NOT or OR that the program ends before is BAD, never a server error.
            assertThat(c.command("i", "SEARCH NOT")).containsExactly(
                    "i BAD Search program ends where a search key is needed");
            assertThat(c.command("j", "SEARCH OR OR SEEN ALL")).containsExactly(
                    "j BAD Search program ends where a search key is needed");
            assertThat(c.command("k", "SEARCH (OR SEEN)")).containsExactly(
                    "k BAD Search program ends where a search key is needed");
        }
    }

    @Test
    void createRefusesAnUnknownSpecialUseAndGetQuotaRootAMailboxThatDoesNotExist() throws Exception {
        try (RawImapClient c = login()) {
            // RFC 6154 §3: nothing created, and USEATTR says why.
            assertThat(c.command("a", "CREATE Spam (USE (\\Spam))")).containsExactly(
                    "a NO [USEATTR] Unsupported special-use attribute \\Spam");
            assertThat(c.command("b", "LIST \"\" Spam")).containsExactly("b OK LIST completed");
            assertThat(c.command("c", "CREATE Spam (USE (\\Junk))")).containsExactly("c OK CREATE completed");
            assertThat(c.command("d", "LIST \"\" Spam")).containsExactly(
                    "* LIST (\\HasNoChildren \\Junk) \"/\" \"Spam\"", "d OK LIST completed");
            // RFC 9208 §4.3: GETQUOTAROOT of a mailbox that does not exist is NO.
            assertThat(c.command("e", "GETQUOTAROOT Nope")).containsExactly("e NO [NONEXISTENT] No such mailbox");
            assertThat(c.command("f", "GETQUOTAROOT Spam")).containsExactly("* QUOTAROOT \"Spam\" \"\"",
                    "* QUOTA \"\" ()", "f OK GETQUOTAROOT completed");
        }
    }

    @Test
    void qresyncSelectReportsVanishedEarlierAndChangedFlagsThenVanishedOnExpunge() throws Exception {
        imap.deliver(alice, FIRST);
        imap.deliver(alice, FIRST);
        imap.deliver(alice, FIRST);
        long validity = imap.mailbox(alice, "INBOX").uidValidity();
        long modSeq;
        try (RawImapClient c = login()) {
            List<String> select = c.command("s", "SELECT INBOX (CONDSTORE)");
            String highest = select.stream().filter(l -> l.startsWith("* OK [HIGHESTMODSEQ ")).findFirst().orElseThrow();
            modSeq = Long.parseLong(highest.substring(20, highest.indexOf(']')));
            c.command("a", "STORE 2 +FLAGS.SILENT (\\Deleted)");
            c.command("b", "EXPUNGE");
            c.command("c", "STORE 1 +FLAGS.SILENT (\\Seen)");
        }
        try (RawImapClient c = login()) {
            assertThat(c.command("e", "ENABLE QRESYNC")).containsExactly("* ENABLED QRESYNC", "e OK ENABLE completed");
            List<String> select = c.command("s", "SELECT INBOX (QRESYNC (" + validity + " " + modSeq + " 1:3))");
            assertThat(select).contains("* VANISHED (EARLIER) 2");
            assertThat(select).anySatisfy(l -> assertThat(l).startsWith("* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ ("));
            List<String> fetch = c.command("f", "UID FETCH 1:* (FLAGS) (CHANGEDSINCE " + modSeq + " VANISHED)");
            assertThat(fetch.get(0)).isEqualTo("* VANISHED (EARLIER) 2");
            assertThat(fetch.get(1)).startsWith("* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (");
            c.command("a", "STORE 2 +FLAGS.SILENT (\\Deleted)");
            assertThat(c.command("b", "EXPUNGE")).containsExactly("* VANISHED 3", "b OK EXPUNGE completed");
            assertThat(c.command("t", "SELECT Trash")).startsWith("* OK [CLOSED] Previous mailbox closed");
        }
    }

    @Test
    void qresyncSeqMatchLeavesOutExpungesTheClientsSequenceNumbersShowItSaw() throws Exception {
        for (int i = 0; i < 6; i++) {
            imap.deliver(alice, FIRST);
        }
        long validity = imap.mailbox(alice, "INBOX").uidValidity();
        long modSeq;
        try (RawImapClient c = login()) {
            List<String> select = c.command("s", "SELECT INBOX (CONDSTORE)");
            String highest = select.stream().filter(l -> l.startsWith("* OK [HIGHESTMODSEQ ")).findFirst().orElseThrow();
            modSeq = Long.parseLong(highest.substring(20, highest.indexOf(']')));
            c.command("a", "UID STORE 2,5 +FLAGS.SILENT (\\Deleted)");
            c.command("b", "EXPUNGE");
        }
        long highest = ImapHarness.await(imap.storage.mailboxes().status(imap.mailbox(alice, "INBOX").id()))
                .highestModSeq();
        List<String> head = List.of("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $NotJunk)",
                "* OK [PERMANENTFLAGS ()] Flags permitted", "* 4 EXISTS", "* 0 RECENT",
                "* OK [UNSEEN 1] First unseen", "* OK [UIDVALIDITY " + validity + "] UIDs valid", "* OK [UIDNEXT 7] Predicted next UID",
                "* OK [HIGHESTMODSEQ " + highest + "] Highest");
        try (RawImapClient c = login()) {
            c.command("e", "ENABLE QRESYNC");
            String qresync = "EXAMINE INBOX (QRESYNC (" + validity + " " + modSeq + " 1:6";
            // Without seq-match: every expunge since the MODSEQ.
            assertThat(c.command("s", qresync + "))")).containsExactlyElementsOf(concat(head,
                    "* VANISHED (EARLIER) 2,5", "s OK [READ-ONLY] EXAMINE completed"));
            // RFC 7162 §3.2.5.2: message 3 is still UID 4, so the client knew of UID 2's expunge.
            List<String> t = c.command("t", qresync + " (1:3 1,3:4)))");
            assertThat(t.get(0)).isEqualTo("* OK [CLOSED] Previous mailbox closed");
            assertThat(t.subList(1, t.size())).containsExactlyElementsOf(concat(head,
                    "* VANISHED (EARLIER) 5", "t OK [READ-ONLY] EXAMINE completed"));
            // Matching stops at the first pair that differs (message 4 is UID 6 now, not 5).
            assertThat(c.command("u", qresync + " (1,2,4,5 1,3,5,6)))")).contains("* VANISHED (EARLIER) 5");
            // The client saw nothing: its message 2 was UID 2.
            assertThat(c.command("v", qresync + " (1:2 1:2)))")).contains("* VANISHED (EARLIER) 2,5");
            assertThat(c.command("w", qresync + " (1:6 1:6)))")).contains("* VANISHED (EARLIER) 2,5");
            assertThat(c.command("x", qresync + " (1:3 1:2)))")).containsExactly(
                    "x BAD seq-match-data sets differ in size");
        }
    }

    @Test
    void aQresyncSelectNeverCallsVanishedEarlierAMessageItsExistsCounted() throws Exception {
        // A message expunged after the SELECT read its view and before it read what vanished: EXISTS
        // counted it, so it is told as an expunge (VANISHED, the count lowered), not VANISHED (EARLIER).
        imap.close();
        java.util.concurrent.atomic.AtomicReference<Runnable> beforeChanges = new java.util.concurrent.atomic.AtomicReference<>();
        imap = new ImapHarness(dir.resolve("wrapped"), false, java.util.function.UnaryOperator.identity(), store ->
                (io.yubin.store.MailboxStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {io.yubin.store.MailboxStore.class}, (proxy, method, args) -> {
                            Runnable r = method.getName().equals("changesSince") ? beforeChanges.getAndSet(null) : null;
                            if (r != null) {
                                r.run();
                            }
                            try {
                                return method.invoke(store, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }));
        alice = imap.addUser("alice");
        for (int i = 0; i < 3; i++) {
            imap.deliver(alice, FIRST);
        }
        io.yubin.store.Mailbox inbox = imap.mailbox(alice, "INBOX");
        long modSeq = ImapHarness.await(imap.storage.mailboxes().status(inbox.id())).highestModSeq();
        beforeChanges.set(() -> imap.storage.mailboxes().expungeMessages(inbox.id(), io.yubin.store.UidSet.single(2),
                false).toCompletableFuture().join());
        try (RawImapClient c = login()) {
            c.command("e", "ENABLE QRESYNC");
            List<String> select = c.command("s", "SELECT INBOX (QRESYNC (" + inbox.uidValidity() + " " + modSeq + "))");
            assertThat(select).contains("* 3 EXISTS").noneMatch(l -> l.startsWith("* VANISHED"));
            assertThat(c.command("n", "NOOP")).containsExactly("* VANISHED 2", "n OK NOOP completed");
        }
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> out = new java.util.ArrayList<>(head);
        out.addAll(List.of(tail));
        return out;
    }

    @Test
    void fetchingAMessageAnotherSessionExpungedAnswersExpungeIssued() throws Exception {
        imap.deliver(alice, FIRST);
        imap.deliver(alice, FIRST);
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            // Expunged behind this session's back, without an event: its view still shows two messages.
            ImapHarness.await(imap.storage.mailboxes().expunge(imap.mailbox(alice, "INBOX").id(),
                    io.yubin.store.UidSet.single(1), false));
            assertThat(c.command("f", "FETCH 1:2 (UID BODY.PEEK[])")).containsExactly(
                    "* 2 FETCH (UID 2 BODY[] {" + FIRST.length() + "}\r\n" + FIRST + ")",
                    "f NO [EXPUNGEISSUED] Some of the requested messages no longer exist");
            // RFC 9051 §7.5.1: NOOP is where the client may be told, and is.
            assertThat(c.command("n", "NOOP")).containsExactly("* 1 EXPUNGE", "n OK NOOP completed");
        }
    }

    /**
     * RFC 9051 §7.5.1: a session not yet allowed to tell its client of another session's expunge
     * (FETCH by number) answers with what it can still know of the message, its flags (published
     * with the expunge), rather than NO [EXPUNGEISSUED]; the expunge itself goes out on NOOP.
     */
    @Test
    void fetchingFlagsOfAMessageAnotherSessionExpungedAnswersTheFlagsItHad() throws Exception {
        imap.deliver(alice, FIRST);
        imap.deliver(alice, FIRST);
        try (RawImapClient a = login(); RawImapClient b = login()) {
            a.command("s", "SELECT INBOX");
            b.command("s", "SELECT INBOX");
            assertThat(last(b.command("t", "STORE 1 +FLAGS.SILENT (\\Deleted $Label1)"))).startsWith("t OK");
            assertThat(b.command("x", "EXPUNGE")).containsExactly("* 1 EXPUNGE", "x OK EXPUNGE completed");

            // The expunge reaches a's session as a cluster event: until it has, a's FETCH may still
            // answer EXPUNGEISSUED (polled on the answer, which changes nothing in a's view).
            java.util.concurrent.atomic.AtomicReference<List<String>> answer = new java.util.concurrent.atomic.AtomicReference<>();
            int[] n = {0};
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .pollInterval(java.time.Duration.ofMillis(50)).until(() -> {
                        String tag = "f" + n[0]++;
                        answer.set(a.command(tag, "FETCH 1:2 (FLAGS)"));
                        return last(answer.get()).startsWith(tag + " OK");
                    });
            String tag = "f" + (n[0] - 1);
            assertThat(answer.get()).containsExactly(
                    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $Label1 $NotJunk)",
                    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $Label1 $NotJunk \\*)]"
                            + " Flags permitted",
                    "* 2 FETCH (FLAGS (\\Recent))",
                    "* 1 FETCH (FLAGS (\\Recent \\Deleted $Label1))",
                    tag + " OK FETCH completed");
            // Anything else of it is no longer at hand.
            assertThat(a.command("g", "FETCH 1 (FLAGS BODY.PEEK[])")).containsExactly(
                    "g NO [EXPUNGEISSUED] Some of the requested messages no longer exist");
            assertThat(a.command("n", "NOOP")).containsExactly("* 1 EXPUNGE", "n OK NOOP completed");
            assertThat(a.command("h", "FETCH 1 (FLAGS)")).containsExactly("* 1 FETCH (FLAGS (\\Recent))",
                    "h OK FETCH completed");
        }
    }

    /** RFC 9051 §7.3.5: a keyword STORE makes is told in FLAGS even when no FETCH shows it. */
    @Test
    void aKeywordStoredSilentlyIsToldInFlagsAndOneRemovedIsNot() throws Exception {
        imap.deliver(alice, FIRST);
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            assertThat(c.command("t", "STORE 1 +FLAGS.SILENT (Project7)")).containsExactly(
                    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $NotJunk Project7)",
                    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $NotJunk Project7 \\*)]"
                            + " Flags permitted",
                    "t OK STORE completed");
            assertThat(c.command("u", "STORE 1 +FLAGS.SILENT (Project7)")).containsExactly("u OK STORE completed");
            assertThat(c.command("v", "STORE 1 -FLAGS (NeverSet)")).containsExactly("v OK STORE completed");
        }
        // Set by another session that no FETCH of this one showed: told when this one sets it too.
        try (RawImapClient a = login(); RawImapClient b = login()) {
            a.command("s", "SELECT INBOX");
            b.command("s", "SELECT INBOX");
            assertThat(last(b.command("t", "STORE 1 FLAGS.SILENT (Other1)"))).isEqualTo("t OK STORE completed");
            assertThat(a.command("u", "STORE 1 +FLAGS.SILENT (Other1)")).contains(
                    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk $NotJunk Other1 Project7)")
                    .endsWith("u OK STORE completed");
        }
    }

    @Test
    void compressDeflateCompressesBothDirectionsInsideTls() throws Exception {
        imap.deliver(alice, FIRST);
        try (RawImapClient c = login()) {
            assertThat(c.command("z", "COMPRESS DEFLATE")).containsExactly("z OK DEFLATE active");
            c.compress();
            assertThat(c.command("s", "SELECT INBOX")).contains("* 1 EXISTS", "s OK [READ-WRITE] SELECT completed");
            assertThat(c.command("f", "FETCH 1 BODY.PEEK[]")).containsExactly(
                    "* 1 FETCH (BODY[] {" + FIRST.length() + "}\r\n" + FIRST + ")", "f OK FETCH completed");
            assertThat(c.command("y", "COMPRESS DEFLATE")).containsExactly(
                    "y NO [COMPRESSIONACTIVE] DEFLATE is already active");
        }
    }

    @Test
    void sortAndOrderedSubjectThreads() throws Exception {
        imap.deliver(alice, "Date: Tue, 2 Jan 2024 00:00:00 +0000\r\nFrom: zed@example.org\r\nSubject: Re: lunch\r\n\r\nx\r\n");
        imap.deliver(alice, "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: amy@example.org\r\nSubject: lunch\r\n\r\nyy\r\n");
        imap.deliver(alice, "Date: Wed, 3 Jan 2024 00:00:00 +0000\r\nFrom: bob@example.org\r\nSubject: [list] agenda\r\n\r\nz\r\n");
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            assertThat(c.command("a", "SORT (FROM) UTF-8 ALL")).containsExactly("* SORT 2 3 1", "a OK SORT completed");
            assertThat(c.command("b", "SORT (REVERSE DATE) UTF-8 ALL")).containsExactly("* SORT 3 1 2",
                    "b OK SORT completed");
            assertThat(c.command("c", "UID SORT (SUBJECT SIZE) US-ASCII ALL")).containsExactly("* SORT 3 2 1",
                    "c OK SORT completed");
            assertThat(c.command("d", "THREAD ORDEREDSUBJECT UTF-8 ALL")).containsExactly("* THREAD (2 1)(3)",
                    "d OK THREAD completed");
            assertThat(c.command("e", "SORT (BOGUS) UTF-8 ALL")).containsExactly("e BAD Unknown sort criterion BOGUS");
        }
    }

    /** Alice's spam-filter training events (MARKED_JUNK, MARKED_NOT_JUNK) into {@code seen}. */
    private AutoCloseable trainingEvents(java.util.Collection<io.yubin.queue.MailboxEvent> seen) {
        return imap.events.subscribe(alice, e -> {
            if (e.kind().name().startsWith("MARKED_")) {
                seen.add(e);
            }
        });
    }

    @Test
    void movingIntoAndOutOfJunkEmitsTrainingEvents() throws Exception {
        imap.deliver(alice, FIRST);
        java.util.concurrent.BlockingQueue<io.yubin.queue.MailboxEvent> seen =
                new java.util.concurrent.LinkedBlockingQueue<>();
        try (AutoCloseable subscription = trainingEvents(seen); RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            assertThat(last(c.command("a", "MOVE 1 Junk"))).isEqualTo("a OK MOVE completed");
            io.yubin.queue.MailboxEvent junk = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(junk).isNotNull();
            assertThat(junk.kind()).isEqualTo(io.yubin.queue.MailboxEvent.Kind.MARKED_JUNK);
            assertThat(junk.mailbox()).isEqualTo(imap.mailbox(alice, "Junk").id());
            assertThat(junk.uid()).isEqualTo(1);

            c.command("t", "SELECT Junk");
            assertThat(last(c.command("b", "MOVE 1 INBOX"))).isEqualTo("b OK MOVE completed");
            io.yubin.queue.MailboxEvent ham = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(ham).isNotNull();
            assertThat(ham.kind()).isEqualTo(io.yubin.queue.MailboxEvent.Kind.MARKED_NOT_JUNK);
            assertThat(ham.mailbox()).isEqualTo(imap.mailbox(alice, "INBOX").id());
            assertThat(seen.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void theJunkAndNotJunkKeywordsEmitTrainingEventsAsMovesDo() throws Exception {
        imap.deliver(alice, FIRST);
        java.util.concurrent.BlockingQueue<io.yubin.queue.MailboxEvent> seen =
                new java.util.concurrent.LinkedBlockingQueue<>();
        try (AutoCloseable subscription = trainingEvents(seen); RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            // RFC 5788 §3.1: what Thunderbird sends for "mark as junk" and "mark as not junk"
            assertThat(last(c.command("a", "STORE 1 +FLAGS.SILENT ($Junk)"))).isEqualTo("a OK STORE completed");
            io.yubin.queue.MailboxEvent junk = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(junk).isNotNull();
            assertThat(junk.kind()).isEqualTo(io.yubin.queue.MailboxEvent.Kind.MARKED_JUNK);
            assertThat(junk.uid()).isEqualTo(1);
            assertThat(last(c.command("b", "STORE 1 -FLAGS.SILENT ($Junk)"))).isEqualTo("b OK STORE completed");
            assertThat(seen.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS)).as("removing says nothing").isNull();
            assertThat(last(c.command("c", "STORE 1 +FLAGS.SILENT ($NotJunk)"))).isEqualTo("c OK STORE completed");
            io.yubin.queue.MailboxEvent ham = seen.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(ham).isNotNull();
            assertThat(ham.kind()).isEqualTo(io.yubin.queue.MailboxEvent.Kind.MARKED_NOT_JUNK);
            assertThat(last(c.command("d", "STORE 1 +FLAGS.SILENT (\\Seen)"))).isEqualTo("d OK STORE completed");
            assertThat(seen.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS)).as("other flags say nothing").isNull();
        }
    }

    @Test
    void recentIsShownToTheFirstReadWriteSessionOnlyAndNeverInImap4rev2() throws Exception {
        imap.deliver(alice, FIRST);
        imap.deliver(alice, MIXED);
        try (RawImapClient examining = login(); RawImapClient first = login(); RawImapClient second = login();
                RawImapClient rev2 = login()) {
            // RFC 3501 §6.3.2: EXAMINE shows \Recent but takes it from nobody.
            assertThat(examining.command("e", "EXAMINE INBOX")).contains("* 2 RECENT");
            assertThat(first.command("s", "SELECT INBOX")).contains("* 2 RECENT");
            assertThat(first.command("f", "FETCH 1:2 FLAGS")).containsExactly("* 1 FETCH (FLAGS (\\Recent))",
                    "* 2 FETCH (FLAGS (\\Recent))", "f OK FETCH completed");
            assertThat(last(first.command("r", "SEARCH RECENT"))).isEqualTo("r OK SEARCH completed");
            assertThat(first.command("r", "SEARCH NEW")).contains("* SEARCH 1 2");

            assertThat(second.command("s", "SELECT INBOX")).contains("* 0 RECENT");
            assertThat(second.command("f", "FETCH 1 FLAGS")).containsExactly("* 1 FETCH (FLAGS ())",
                    "f OK FETCH completed");
            assertThat(second.command("r", "SEARCH RECENT")).contains("* SEARCH");

            // New mail is recent for the one session that learns of it first.
            imap.deliver(alice, FIRST);
            assertThat(second.command("n", "NOOP")).containsExactly("* 3 EXISTS", "* 1 RECENT", "n OK NOOP completed");
            assertThat(first.command("n", "NOOP")).containsExactly("* 3 EXISTS", "n OK NOOP completed");
            assertThat(first.command("f", "FETCH 3 FLAGS")).containsExactly("* 3 FETCH (FLAGS ())",
                    "f OK FETCH completed");

            // RFC 9051 Appendix E: no \Recent in IMAP4rev2.
            rev2.command("e", "ENABLE IMAP4rev2");
            assertThat(rev2.command("s", "SELECT INBOX")).noneMatch(l -> l.contains("RECENT"));
        }
    }

    @Test
    void imap4rev2AndUtf8AcceptAreEnabledApartAndEachChangesOnlyWhatItDefines() throws Exception {
        imap.deliver(alice, FIRST);
        try (RawImapClient utf8 = login(); RawImapClient rev2 = login()) {
            // RFC 6855: UTF-8 names and strings; the session stays IMAP4rev1 (\Recent, SEARCH, no LIST in SELECT).
            assertThat(utf8.command("e", "ENABLE UTF8=ACCEPT")).containsExactly("* ENABLED UTF8=ACCEPT",
                    "e OK ENABLE completed");
            assertThat(utf8.command("s", "EXAMINE INBOX")).contains("* 1 RECENT").noneMatch(l -> l.startsWith("* LIST"));
            assertThat(utf8.command("f", "SEARCH ALL")).containsExactly("* SEARCH 1", "f OK SEARCH completed");
            // IMAP4rev2 after UTF8=ACCEPT is still enabled by its own name (RFC 5161 §3.2).
            assertThat(utf8.command("g", "ENABLE IMAP4rev2")).containsExactly("* ENABLED IMAP4rev2",
                    "g OK ENABLE completed");
            assertThat(utf8.command("h", "ENABLE IMAP4rev2 UTF8=ACCEPT")).containsExactly("* ENABLED",
                    "h OK ENABLE completed");

            // RFC 9051: no \Recent, the mailbox's LIST in SELECT's answer, ESEARCH for SEARCH.
            assertThat(rev2.command("e", "enable imap4rev2")).containsExactly("* ENABLED IMAP4rev2",
                    "e OK ENABLE completed");
            List<String> select = rev2.command("s", "SELECT INBOX");
            assertThat(select).contains("* LIST () \"/\" \"INBOX\"").noneMatch(l -> l.contains("RECENT"));
            assertThat(rev2.command("f", "SEARCH ALL")).containsExactly("* ESEARCH (TAG \"f\") ALL 1",
                    "f OK SEARCH completed");
            assertThat(rev2.command("g", "UID SEARCH SUBJECT nothing")).containsExactly("* ESEARCH (TAG \"g\") UID",
                    "g OK SEARCH completed");
            assertThat(rev2.command("h", "SEARCH RETURN (COUNT) ALL")).containsExactly(
                    "* ESEARCH (TAG \"h\") COUNT 1", "h OK SEARCH completed");
        }
    }

    @Test
    void idleReportsDeliveredMailFromAnotherWriterWithinASecond() throws Exception {
        try (RawImapClient c = login()) {
            c.command("s", "SELECT INBOX");
            c.send("i IDLE\r\n");
            assertThat(c.line()).isEqualTo("+ idling");
            long start = System.nanoTime();
            imap.deliver(alice, FIRST);
            assertThat(c.line()).isEqualTo("* 1 EXISTS");
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000);
            assertThat(c.line()).isEqualTo("* 1 RECENT");
            c.send("DONE\r\n");
            assertThat(c.line()).isEqualTo("i OK IDLE terminated");
        }
    }

    @Test
    void twoSessionsSeeEachOthersFlagChangesAndExpunges() throws Exception {
        imap.deliver(alice, FIRST);
        imap.deliver(alice, FIRST);
        try (RawImapClient one = login(); RawImapClient two = login()) {
            one.command("s", "SELECT INBOX");
            two.command("s", "SELECT INBOX");
            one.command("a", "STORE 2 +FLAGS.SILENT (\\Deleted)");
            one.command("b", "EXPUNGE");
            one.command("c", "STORE 1 +FLAGS.SILENT (\\Answered)");
            // NOOP reads the store (RFC 9051 §6.1.2), so no wait for the mailbox event is needed.
            assertThat(two.command("n", "NOOP")).containsExactly("* 2 EXPUNGE", "* 1 FETCH (FLAGS (\\Answered) UID 1)",
                    "n OK NOOP completed");
        }
    }

    @Test
    void literalsOverTheLimitAreRefusedBeforeTheyAreSentAndBadInputIsBad() throws Exception {
        try (RawImapClient c = login()) {
            c.send("a LOGIN {999999999}\r\n");
            assertThat(c.line()).isEqualTo("a NO [TOOBIG] Literal too large");
            c.send("b APPEND INBOX {999999999999}\r\n");
            assertThat(c.line()).startsWith("b NO [TOOBIG] Message larger than APPENDLIMIT");
            assertThat(c.command("c", "FETCH 1:x FLAGS")).containsExactly("c BAD FETCH needs a selected mailbox");
            c.command("s", "SELECT INBOX");
            assertThat(c.command("d", "FETCH 1:x FLAGS")).containsExactly("d BAD Invalid sequence set");
            assertThat(c.command("e", "SEARCH " + "(".repeat(40) + "ALL" + ")".repeat(40)))
                    .containsExactly("e BAD Too deeply nested");
            c.send("x".repeat(70_000) + "\r\n");
            assertThat(c.line()).isEqualTo("* BAD [TOOBIG] Command line too long (at most 65536 octets)");
        }
    }

    @Test
    void tooManyBadCommandsCloseTheConnection() throws Exception {
        try (RawImapClient c = login()) {
            for (int i = 0; i < 9; i++) {
                assertThat(c.command("t" + i, "BOGUS")).hasSize(1);
            }
            c.send("z BOGUS\r\n");
            assertThat(c.line()).isEqualTo("z BAD Unknown command BOGUS");
            assertThat(c.line()).isEqualTo("* BYE Too many invalid commands");
            assertThat(c.line()).isNull();
        }
    }
}
