package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ENVELOPE addresses written the old way and in groups (RFC 9051 §7.5.2), and SORT by the
 * addresses as ENVELOPE reads them (RFC 5256 §3, RFC 5957), exact responses from a real server.
 */
class EnvelopeAndSortTest {

    static final String OLD_STYLE = "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
            + "From: zed@example.org (Aaron Old-Style)\r\n"
            + "To: team: Carl <carl@example.org>, bob@example.org;\r\n"
            + "Cc: undisclosed-recipients:;\r\nSubject: one\r\nMessage-ID: <1@example.org>\r\n\r\none\r\n";
    static final String QUOTED = "From: \"Amy\" <amy@example.org> (not the name)\r\nTo: x@example.org\r\n"
            + "Cc: mary@example.org (Mary), zoe@example.org\r\nSubject: two\r\n\r\ntwo\r\n";
    static final String GROUPS = "From: list: (nobody);, Bob <bob@example.org>\r\n"
            + "Reply-To: =?UTF-8?Q?Doe=2C_John?= <john@example.org>\r\nCc: team: (only a comment);\r\n"
            + "Subject: three\r\n\r\nthree\r\n";
    static final String LOCAL = "From: root (Cron Daemon)\r\nCc: Alan <alan@example.org>\r\nSubject: four\r\n"
            + "\r\nfour\r\n";

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    private ImapHarness imap;

    @BeforeEach
    void start() throws Exception {
        imap = new ImapHarness(dir, false);
        imap.addUser("alice");
    }

    @AfterEach
    void stop() throws Exception {
        imap.close();
    }

    private RawImapClient loginWithFourMessages() throws Exception {
        RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls());
        c.line();
        assertThat(c.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\"")).last().asString()
                .startsWith("a OK");
        int n = 0;
        for (String message : List.of(OLD_STYLE, QUOTED, GROUPS, LOCAL)) {
            String tag = "p" + ++n;
            c.send(tag + " APPEND INBOX {" + message.getBytes(StandardCharsets.UTF_8).length + "+}\r\n" + message
                    + "\r\n");
            assertThat(c.until(tag)).last().asString().startsWith(tag + " OK [APPENDUID ");
        }
        assertThat(c.command("s", "SELECT INBOX")).last().asString().startsWith("s OK");
        return c;
    }

    @Test
    void envelopesNameOldStyleAddressesByTheirCommentAndMarkGroups() throws Exception {
        try (RawImapClient c = loginWithFourMessages()) {
            String zed = "((\"Aaron Old-Style\" NIL \"zed\" \"example.org\"))";
            assertThat(c.command("a", "FETCH 1 (ENVELOPE)")).containsExactly("* 1 FETCH (ENVELOPE ("
                    + "\"Mon, 1 Jan 2024 00:00:00 +0000\" \"one\" " + zed + " " + zed + " " + zed + " "
                    + "((NIL NIL \"team\" NIL)(\"Carl\" NIL \"carl\" \"example.org\")(NIL NIL \"bob\" \"example.org\")"
                    + "(NIL NIL NIL NIL)) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL "
                    + "\"<1@example.org>\"))", "a OK FETCH completed");
            String amy = "((\"Amy\" NIL \"amy\" \"example.org\"))";
            assertThat(c.command("b", "FETCH 2 (ENVELOPE)")).containsExactly("* 2 FETCH (ENVELOPE (NIL \"two\" "
                    + amy + " " + amy + " " + amy + " ((NIL NIL \"x\" \"example.org\")) "
                    + "((\"Mary\" NIL \"mary\" \"example.org\")(NIL NIL \"zoe\" \"example.org\")) NIL NIL NIL))",
                    "b OK FETCH completed");
            String list = "((NIL NIL \"list\" NIL)(NIL NIL NIL NIL)(\"Bob\" NIL \"bob\" \"example.org\"))";
            assertThat(c.command("c", "FETCH 3 (ENVELOPE)")).containsExactly("* 3 FETCH (ENVELOPE (NIL \"three\" "
                    + list + " " + list + " ((\"=?UTF-8?Q?Doe=2C_John?=\" NIL \"john\" \"example.org\")) NIL "
                    + "((NIL NIL \"team\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL))", "c OK FETCH completed");
            String root = "((\"Cron Daemon\" NIL \"root\" \"MISSING_DOMAIN\"))";
            assertThat(c.command("d", "FETCH 4 (ENVELOPE)")).containsExactly("* 4 FETCH (ENVELOPE (NIL \"four\" "
                    + root + " " + root + " " + root + " NIL ((\"Alan\" NIL \"alan\" \"example.org\")) NIL NIL NIL))",
                    "d OK FETCH completed");
        }
    }

    @Test
    void sortComparesTheFirstMailboxAsEnvelopeReadsIt() throws Exception {
        try (RawImapClient c = loginWithFourMessages()) {
            // amy, list (a group first: its name, RFC 5256 §3 "the first address" as ENVELOPE gives it), root, zed.
            assertThat(c.command("a", "SORT (FROM) UTF-8 ALL")).containsExactly("* SORT 2 3 4 1",
                    "a OK SORT completed");
            // undisclosed-recipients, team, mary, alan (empty groups by their names too).
            assertThat(c.command("b", "SORT (REVERSE CC) UTF-8 ALL")).containsExactly("* SORT 1 3 2 4",
                    "b OK SORT completed");
            assertThat(c.command("c", "SORT (CC) UTF-8 ALL")).containsExactly("* SORT 4 2 3 1",
                    "c OK SORT completed");
            // Aaron Old-Style, Amy, Cron Daemon, list: comment names count as display names, a group by its name.
            assertThat(c.command("d", "SORT (DISPLAYFROM) UTF-8 ALL")).containsExactly("* SORT 1 2 4 3",
                    "d OK SORT completed");
            // x, team (the group's name), then 3 and 4 without To in sequence order; REVERSE never reverses ties.
            assertThat(c.command("e", "UID SORT (REVERSE TO) UTF-8 ALL")).containsExactly("* SORT 2 1 3 4",
                    "e OK SORT completed");
        }
    }

    @Test
    void displayFromReadsAnEncodedNameWithACommaAsOneName() throws Exception {
        MailAddress alice = new MailAddress("alice", ImapHarness.DOMAIN);
        imap.deliver(alice, "From: =?UTF-8?Q?Doe=2C_John?= <zed@example.org>\r\nSubject: a\r\n\r\na\r\n");
        imap.deliver(alice, "From: Ed <ed@example.org>\r\nSubject: b\r\n\r\nb\r\n");
        try (RawImapClient c = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls())) {
            c.line();
            c.command("a", "LOGIN alice@example.test \"" + ImapHarness.PASSWORD + "\"");
            c.command("s", "SELECT INBOX");
            // "Doe, John" before "Ed"; read from the decoded value it would be "John", after "Ed".
            for (int i = 0; i < 2; i++) {
                assertThat(c.command("d" + i, "SORT (DISPLAYFROM) UTF-8 ALL")).containsExactly("* SORT 1 2",
                        "d" + i + " OK SORT completed");
            }
            assertThat(c.command("f", "SORT (FROM) UTF-8 ALL")).containsExactly("* SORT 2 1", "f OK SORT completed");
        }
    }
}
