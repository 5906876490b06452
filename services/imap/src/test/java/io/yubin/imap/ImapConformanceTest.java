package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact responses for what an independent conformance run and concurrent clients found (issue 14):
 * keyword announcements, CONDSTORE, other sessions' changes, MOVE into the selected mailbox,
 * LIST-EXTENDED, parsing, BAD handling and IMAP4rev1's SELECT and STATUS. Two sessions are two
 * real connections.
 */
class ImapConformanceTest {

    private static final String MESSAGE = "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: bob@example.org\r\n"
            + "To: alice@example.test\r\nSubject: NIL and more\r\n\r\nHello\r\n";
    private static final String FLAGS = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

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

    /** A logged-in IMAP4rev2 session (no \Recent to account for), or IMAP4rev1 with {@code rev2} false. */
    private RawImapClient login(boolean rev2) throws Exception {
        RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls());
        c.line();
        assertThat(last(c.command("l", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\""))).startsWith("l OK");
        if (rev2) {
            c.command("e", "ENABLE IMAP4rev2");
        }
        return c;
    }

    private static String last(List<String> lines) {
        return lines.get(lines.size() - 1);
    }

    private static String flagsLine(String keywords) {
        return "* FLAGS (" + FLAGS + " " + keywords + ")";
    }

    private static String permanentLine(String keywords) {
        return "* OK [PERMANENTFLAGS (" + FLAGS + " " + keywords + " \\*)] Flags permitted";
    }

    @Test
    void aNewKeywordIsAnnouncedInFlagsBeforeAnyFetchShowsItInEverySession() throws Exception {
        imap.deliver(alice, MESSAGE);
        try (RawImapClient a = login(true); RawImapClient b = login(true)) {
            assertThat(a.command("s", "SELECT INBOX")).contains(flagsLine("$Junk $NotJunk"));
            b.command("s", "SELECT INBOX");

            assertThat(b.command("t", "STORE 1 +FLAGS ($Label1)")).containsExactly(
                    flagsLine("$Junk $Label1 $NotJunk"), permanentLine("$Junk $Label1 $NotJunk"),
                    "* 1 FETCH (FLAGS ($Label1))", "t OK STORE completed");
            assertThat(a.command("n", "NOOP")).containsExactly(
                    flagsLine("$Junk $Label1 $NotJunk"), permanentLine("$Junk $Label1 $NotJunk"),
                    "* 1 FETCH (FLAGS ($Label1) UID 1)", "n OK NOOP completed");

            // APPEND brings $Label2: the other session hears of it with the new message.
            String appended = "a APPEND INBOX ($Label2) {" + MESSAGE.length() + "+}\r\n" + MESSAGE + "\r\n";
            a.send(appended);
            assertThat(last(a.until("a"))).startsWith("a OK [APPENDUID ");
            assertThat(b.command("n", "NOOP")).containsExactly("* 2 EXISTS",
                    flagsLine("$Junk $Label1 $Label2 $NotJunk"), permanentLine("$Junk $Label1 $Label2 $NotJunk"),
                    "n OK NOOP completed");
            assertThat(b.command("f", "FETCH 2 (FLAGS)")).containsExactly("* 2 FETCH (FLAGS ($Label2))",
                    "f OK FETCH completed");
        }
        // A new selection announces every keyword in use.
        try (RawImapClient c = login(true)) {
            assertThat(c.command("s", "SELECT INBOX")).contains(flagsLine("$Junk $Label1 $Label2 $NotJunk"));
        }
    }

    @Test
    void condstoreOnceEnabledPutsUidAndModSeqInEveryFlagChangeAndTellsTheHighestModSeq() throws Exception {
        imap.deliver(alice, MESSAGE);
        imap.deliver(alice, MESSAGE);
        try (RawImapClient a = login(true); RawImapClient b = login(true)) {
            a.command("s", "SELECT INBOX");
            b.command("s", "SELECT INBOX");
            long highest = ImapHarness.await(imap.storage.mailboxes().status(imap.mailbox(alice, "INBOX").id()))
                    .highestModSeq();
            // RFC 7162 §3.1: FETCH of MODSEQ enables CONDSTORE, and the mailbox was selected without it.
            assertThat(a.command("m", "FETCH 1 (MODSEQ)")).containsExactly(
                    "* OK [HIGHESTMODSEQ " + highest + "] Highest", "* 1 FETCH (MODSEQ (1))", "m OK FETCH completed");
            // Its own STORE's FETCH carries UID and MODSEQ.
            assertThat(a.command("t", "STORE 1 +FLAGS (\\Flagged)")).containsExactly(
                    "* 1 FETCH (FLAGS (\\Flagged) UID 1 MODSEQ (" + (highest + 1) + "))", "t OK STORE completed");
            // So does another session's change, and \Seen set by a body fetch; the fetch's own response
            // carries no MODSEQ it did not ask for (RFC 7162 §3.1.2), and neither does a plain FETCH.
            b.command("t", "STORE 2 +FLAGS (\\Answered)");
            assertThat(a.command("n", "NOOP")).containsExactly(
                    "* 2 FETCH (FLAGS (\\Answered) UID 2 MODSEQ (" + (highest + 2) + "))", "n OK NOOP completed");
            assertThat(a.command("f", "FETCH 2 (BODY[TEXT])")).containsExactly(
                    "* 2 FETCH (BODY[TEXT] {7}\r\nHello\r\n)",
                    "* 2 FETCH (FLAGS (\\Seen \\Answered) UID 2 MODSEQ (" + (highest + 3) + "))",
                    "f OK FETCH completed");
            assertThat(a.command("p", "FETCH 1 (FLAGS)")).containsExactly("* 1 FETCH (FLAGS (\\Flagged))",
                    "p OK FETCH completed");
            assertThat(a.command("q", "UID FETCH 1 (FLAGS)")).containsExactly("* 1 FETCH (UID 1 FLAGS (\\Flagged))",
                    "q OK FETCH completed");
            // RFC 7162 §3.1.5: entry name and type before the MODSEQ value; ESEARCH gives the highest of the matches.
            assertThat(a.command("x", "SEARCH RETURN (ALL) MODSEQ \"/flags/\\\\seen\" all " + highest))
                    .containsExactly("* ESEARCH (TAG \"x\") ALL 1:2 MODSEQ " + (highest + 3), "x OK SEARCH completed");
            // RFC 4731 §3.2: MIN or MAX alone gives the mod-sequence of the message(s) they return.
            assertThat(a.command("x2", "SEARCH RETURN (MIN) MODSEQ " + highest))
                    .containsExactly("* ESEARCH (TAG \"x2\") MIN 1 MODSEQ " + (highest + 1), "x2 OK SEARCH completed");
            assertThat(a.command("x3", "SEARCH RETURN (MIN MAX) MODSEQ " + highest))
                    .containsExactly("* ESEARCH (TAG \"x3\") MIN 1 MAX 2 MODSEQ " + (highest + 3), "x3 OK SEARCH completed");
            assertThat(a.command("x4", "SEARCH RETURN (MIN COUNT) MODSEQ " + highest))
                    .containsExactly("* ESEARCH (TAG \"x4\") MIN 1 COUNT 2 MODSEQ " + (highest + 3), "x4 OK SEARCH completed");
            assertThat(a.command("y", "SEARCH MODSEQ \"/flags/\\\\flagged\" priv " + (highest + 2)))
                    .containsExactly("* ESEARCH (TAG \"y\") ALL 2 MODSEQ " + (highest + 3), "y OK SEARCH completed");
        }
    }

    @Test
    void anotherSessionsExpungesAndFlagChangesAreToldOnNoopAndCheckButNeverDuringFetchByNumber() throws Exception {
        imap.deliver(alice, MESSAGE);
        imap.deliver(alice, MESSAGE);
        imap.deliver(alice, MESSAGE);
        try (RawImapClient a = login(true); RawImapClient b = login(true)) {
            a.command("s", "SELECT INBOX");
            b.command("s", "SELECT INBOX");
            b.command("d", "STORE 1 +FLAGS.SILENT (\\Deleted)");
            b.command("x", "EXPUNGE");
            b.command("f", "STORE 2 +FLAGS.SILENT (\\Flagged)");
            // A FETCH by number may not shift A's numbers: no EXPUNGE, the new flags are fine.
            List<String> fetch = a.command("f", "FETCH 2:3 (FLAGS)");
            assertThat(fetch).noneMatch(l -> l.endsWith("EXPUNGE"));
            assertThat(fetch).contains("* 3 FETCH (FLAGS (\\Flagged))");
            assertThat(a.command("n", "NOOP")).containsExactly("* 1 EXPUNGE", "n OK NOOP completed");
            // Told once: the next poll is quiet.
            assertThat(a.command("c", "CHECK")).containsExactly("c OK CHECK completed");

            b.command("g", "STORE 1 -FLAGS.SILENT (\\Flagged)");
            b.command("h", "STORE 1 +FLAGS.SILENT (\\Deleted)");
            b.command("y", "EXPUNGE");
            assertThat(a.command("c", "CHECK")).containsExactly("* 1 EXPUNGE", "c OK CHECK completed");
            b.command("i", "STORE 1 +FLAGS.SILENT (\\Seen)");
            // RFC 9051 §6.4.4: an IMAP4rev2 session's SEARCH is answered by ESEARCH.
            assertThat(a.command("u", "UID SEARCH ALL")).containsExactly("* ESEARCH (TAG \"u\") UID ALL 3",
                    "* 1 FETCH (FLAGS (\\Seen \\Flagged) UID 3)", "u OK SEARCH completed");
        }
    }

    @Test
    void ownStoreDoesNotHideAnotherSessionsEarlierChange() throws Exception {
        imap.deliver(alice, MESSAGE);
        imap.deliver(alice, MESSAGE);
        try (RawImapClient a = login(true); RawImapClient b = login(true)) {
            a.command("s", "SELECT INBOX");
            b.command("s", "SELECT INBOX");
            b.command("t", "STORE 2 +FLAGS.SILENT (\\Answered)");
            // A's own change takes a higher MODSEQ than B's; B's must still reach A, once, by the next NOOP
            // (with the STORE's response already when B's event came first).
            List<String> told = new java.util.ArrayList<>(a.command("t", "STORE 1 +FLAGS (\\Seen)"));
            assertThat(told).startsWith("* 1 FETCH (FLAGS (\\Seen))").endsWith("t OK STORE completed");
            told.addAll(a.command("n", "NOOP"));
            assertThat(told).containsOnlyOnce("* 1 FETCH (FLAGS (\\Seen))", "* 2 FETCH (FLAGS (\\Answered) UID 2)")
                    .hasSize(4).endsWith("n OK NOOP completed");
        }
    }

    @Test
    void moveIntoTheSelectedMailboxTellsExistsWithTheExpunge() throws Exception {
        imap.deliver(alice, MESSAGE);
        imap.deliver(alice, MESSAGE);
        long validity = imap.mailbox(alice, "INBOX").uidValidity();
        try (RawImapClient a = login(true)) {
            a.command("s", "SELECT INBOX");
            // RFC 6851 §3.3
            assertThat(a.command("m", "MOVE 1 INBOX")).containsExactly(
                    "* OK [COPYUID " + validity + " 1 3] Moved", "* 1 EXPUNGE", "* 2 EXISTS", "m OK MOVE completed");
            assertThat(a.command("c", "UID COPY 2 INBOX")).containsExactly("* 3 EXISTS",
                    "c OK [COPYUID " + validity + " 2 4] COPY completed");
        }
    }

    @Test
    void deletingOrRenamingTheSelectedMailboxAnswersOk() throws Exception {
        try (RawImapClient a = login(true)) {
            a.command("c", "CREATE Foo");
            a.command("s", "SELECT Foo");
            assertThat(a.command("d", "DELETE Foo")).containsExactly("d OK DELETE completed");
            assertThat(a.command("n", "NOOP")).containsExactly("n OK NOOP completed");
            a.command("c", "CREATE Bar");
            a.command("s", "SELECT Bar");
            assertThat(a.command("r", "RENAME Bar Baz")).containsExactly("r OK RENAME completed");
        }
    }

    @Test
    void createAndRenameMakeTheSuperiorNamesThatAreMissing() throws Exception {
        // RFC 9051 §6.3.4: CREATE foo/bar/zap SHOULD create foo/ and foo/bar/; §6.3.6 likewise for RENAME.
        try (RawImapClient a = login(true)) {
            assertThat(a.command("a", "CREATE Foo/Bar/Zap")).containsExactly("a OK CREATE completed");
            assertThat(a.command("b", "LIST \"\" Foo*")).containsExactly(
                    "* LIST (\\HasChildren) \"/\" \"Foo\"", "* LIST (\\HasChildren) \"/\" \"Foo/Bar\"",
                    "* LIST (\\HasNoChildren) \"/\" \"Foo/Bar/Zap\"", "b OK LIST completed");
            assertThat(a.command("c", "SELECT Foo/Bar")).last().isEqualTo("c OK [READ-WRITE] SELECT completed");
            assertThat(a.command("d", "CREATE Foo/Other")).containsExactly("d OK CREATE completed");
            assertThat(a.command("e", "CREATE Foo/Bar")).last().asString().startsWith("e NO [ALREADYEXISTS]");

            assertThat(a.command("f", "RENAME Foo/Other Archive2/2026/Q4")).containsExactly("f OK RENAME completed");
            assertThat(a.command("g", "LIST \"\" Archive2*")).containsExactly(
                    "* LIST (\\HasChildren) \"/\" \"Archive2\"", "* LIST (\\HasChildren) \"/\" \"Archive2/2026\"",
                    "* LIST (\\HasNoChildren) \"/\" \"Archive2/2026/Q4\"", "g OK LIST completed");
            // A missing source creates nothing.
            assertThat(a.command("h", "RENAME Gone New/Name")).last().asString().startsWith("h NO [NONEXISTENT]");
            assertThat(a.command("i", "LIST \"\" New*")).containsExactly("i OK LIST completed");
        }
    }

    @Test
    void listExtendedSelectionAndReturnOptions() throws Exception {
        try (RawImapClient a = login(true)) {
            assertThat(a.command("a", "LIST (FOO) \"\" *")).containsExactly("a BAD Unknown LIST selection option FOO");
            assertThat(a.command("b", "LIST \"\" * RETURN (FOO)")).containsExactly("b BAD Unknown LIST return option FOO");
            assertThat(a.command("b2", "LIST \"\" ()")).containsExactly("b2 BAD LIST takes one or more mailbox patterns");
            assertThat(a.command("b3", "ENABLE")).containsExactly("b3 BAD ENABLE takes one or more capability names");
            assertThat(a.command("c", "LIST (RECURSIVEMATCH) \"\" *"))
                    .containsExactly("c BAD RECURSIVEMATCH needs another selection option");
            a.command("d", "CREATE Foo/Bar");
            // CREATE made Foo too; without it, Foo is a level above its child that does not exist.
            assertThat(a.command("d2", "DELETE Foo")).containsExactly("d2 OK DELETE completed");
            a.command("e", "SUBSCRIBE Foo/Bar");
            a.command("f", "SUBSCRIBE Gone");

            assertThat(a.command("g", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" F%")).containsExactly(
                    "* LIST (\\NonExistent \\HasChildren) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))",
                    "g OK LIST completed");
            // The children are reached by the pattern: nothing to say of their parent.
            assertThat(a.command("h", "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" F*")).containsExactly(
                    "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Foo/Bar\"", "h OK LIST completed");
            assertThat(a.command("i", "LIST (SUBSCRIBED) \"\" G*")).containsExactly(
                    "* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" \"Gone\"", "i OK LIST completed");
            assertThat(a.command("j", "LIST \"\" % RETURN (CHILDREN SUBSCRIBED)")).contains(
                    "* LIST (\\NonExistent \\HasChildren) \"/\" \"Foo\"",
                    "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"INBOX\"");
            assertThat(a.command("k", "LIST \"\" Foo/% RETURN (CHILDREN SUBSCRIBED)")).containsExactly(
                    "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"Foo/Bar\"", "k OK LIST completed");
            assertThat(a.command("l", "LSUB \"\" F%")).containsExactly("* LSUB (\\Noselect) \"/\" \"Foo\"",
                    "l OK LSUB completed");
            // RFC 3501 §6.3.9: the parent shown for a subscribed child is \Noselect to LSUB even when it exists.
            a.command("m", "CREATE Hat/Pin");
            a.command("n", "CREATE Hat");
            a.command("o", "SUBSCRIBE Hat/Pin");
            assertThat(a.command("p", "LSUB \"\" H%")).containsExactly("* LSUB (\\Noselect) \"/\" \"Hat\"",
                    "p OK LSUB completed");
            a.command("q", "SUBSCRIBE Hat");
            assertThat(a.command("r", "LSUB \"\" H%")).containsExactly("* LSUB () \"/\" \"Hat\"",
                    "r OK LSUB completed");
        }
    }

    @Test
    void statusAndListStatusTakeTheAppendLimitAndRefuseUnknownItemsAlike() throws Exception {
        imap.deliver(alice, MESSAGE);
        long limit = ImapLimits.DEFAULT.maxMessageSize();
        try (RawImapClient a = login(true)) {
            // RFC 7889 §3.2: the server that advertises APPENDLIMIT answers it per mailbox too.
            assertThat(a.command("a", "STATUS INBOX (MESSAGES APPENDLIMIT)")).containsExactly(
                    "* STATUS \"INBOX\" (MESSAGES 1 APPENDLIMIT " + limit + ")", "a OK STATUS completed");
            assertThat(a.command("b", "LIST \"\" INBOX RETURN (STATUS (APPENDLIMIT UIDNEXT))")).containsExactly(
                    "* LIST (\\HasNoChildren \\Subscribed) \"/\" \"INBOX\"",
                    "* STATUS \"INBOX\" (APPENDLIMIT " + limit + " UIDNEXT 2)", "b OK LIST completed");
            // The same items, checked the same way: a BAD, never a server error.
            assertThat(a.command("c", "STATUS INBOX (FOO)")).containsExactly("c BAD Unknown STATUS item FOO");
            assertThat(a.command("d", "LIST \"\" * RETURN (STATUS (MESSAGES FOO))"))
                    .containsExactly("d BAD Unknown STATUS item FOO");
            assertThat(a.command("e", "LIST \"\" * RETURN (STATUS ())")).containsExactly("e BAD STATUS takes a list of items");
            assertThat(a.command("f", "LIST \"\" * RETURN (STATUS)")).containsExactly("f BAD STATUS takes a list of items");
            // HIGHESTMODSEQ asked through LIST enables CONDSTORE as STATUS does (RFC 7162 §3.1).
            a.command("g", "LIST \"\" INBOX RETURN (STATUS (HIGHESTMODSEQ))");
            a.command("h", "SELECT INBOX");
            assertThat(a.command("i", "STORE 1 +FLAGS (\\Flagged)")).first().asString().contains("MODSEQ (");
        }
    }

    @Test
    void nilIsAStringAtomMailboxNamesAreNotFoundAndSearchDatesAreLenient() throws Exception {
        imap.deliver(alice, MESSAGE);
        try (RawImapClient a = login(false)) {
            assertThat(a.command("a", "SELECT !#$&'+,-.0123456789:;<=>?@^_`|}"))
                    .containsExactly("a NO [NONEXISTENT] No such mailbox");
            assertThat(a.command("b", "SELECT abc]def")).containsExactly("b NO [NONEXISTENT] No such mailbox");
            // "[" is an ATOM-CHAR: only a fetch attribute's section opens brackets that may hold spaces.
            assertThat(a.command("b2", "SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}"))
                    .containsExactly("b2 NO [NONEXISTENT] No such mailbox");
            assertThat(a.command("b3", "LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*"))
                    .containsExactly("b3 OK LIST completed");
            assertThat(a.command("b4", "CREATE a[b")).containsExactly("b4 OK CREATE completed");
            assertThat(a.command("b5", "LIST \"\" a[*")).containsExactly("* LIST (\\HasNoChildren) \"/\" \"a[b\"", "b5 OK LIST completed");
            assertThat(a.command("b6", "FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)")).containsExactly("b6 BAD Unclosed '['");
            a.command("s", "SELECT INBOX");
            assertThat(a.command("c", "SEARCH SUBJECT NIL")).containsExactly("* SEARCH 1", "c OK SEARCH completed");
            assertThat(a.command("d", "search sentbefore 5-mar-2007")).containsExactly("* SEARCH",
                    "d OK SEARCH completed");
            assertThat(a.command("e", "SEARCH SENTSINCE 05-MAR-2007 SENTBEFORE 2-Jan-2024"))
                    .containsExactly("* SEARCH 1", "e OK SEARCH completed");
        }
    }

    @Test
    void onlyBadsInARowEndTheConnection() throws Exception {
        try (RawImapClient a = login(true)) {
            for (int i = 0; i < 30; i++) {
                assertThat(a.command("b" + i, "FROBNICATE")).containsExactly("b" + i + " BAD Unknown command FROBNICATE");
                assertThat(a.command("n" + i, "SELECT nosuch")).containsExactly(
                        "n" + i + " NO [NONEXISTENT] No such mailbox");
            }
            for (int i = 0; i < 9; i++) {
                a.command("c" + i, "LIST (FOO) \"\" *");
            }
            assertThat(a.command("z", "NOOP")).containsExactly("z OK NOOP completed");
        }
    }

    @Test
    void imap4rev1SelectTellsTheFirstUnseenAndOnlyReadWriteSelectTakesRecent() throws Exception {
        imap.deliver(alice, MESSAGE);
        imap.deliver(alice, MESSAGE);
        try (RawImapClient a = login(false)) {
            a.command("s", "SELECT INBOX");
            a.command("t", "STORE 1 +FLAGS.SILENT (\\Seen)");
            assertThat(a.command("x", "EXAMINE INBOX")).contains("* OK [UNSEEN 2] First unseen");
            for (int i = 0; i < 2; i++) {
                a.send("p" + i + " APPEND Archive {" + MESSAGE.length() + "+}\r\n" + MESSAGE + "\r\n");
                assertThat(last(a.until("p" + i))).startsWith("p" + i + " OK [APPENDUID ");
            }
            assertThat(a.command("e", "EXAMINE Archive")).contains("* 2 RECENT", "* OK [UNSEEN 1] First unseen");
            assertThat(a.command("f", "STATUS Archive (RECENT)")).containsExactly("* STATUS \"Archive\" (RECENT 2)",
                    "f OK STATUS completed");
            assertThat(a.command("g", "SELECT Archive")).contains("* 2 RECENT");
            assertThat(a.command("h", "STATUS Archive (RECENT MESSAGES)"))
                    .containsExactly("* STATUS \"Archive\" (RECENT 0 MESSAGES 2)", "h OK STATUS completed");
        }
    }
}
