package io.yubin.imap.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Address fields as ENVELOPE shows them (RFC 9051 §7.5.2), exact IMAP strings. */
class EnvelopeAddressTest {

    private static String rendered(String fieldValue) {
        return EnvelopeAddress.render(new StringBuilder(), AddressFieldParser.parse(fieldValue)).toString();
    }

    private static String envelope(String header) {
        return MessageStructure.of((header + "\r\nbody\r\n").getBytes(StandardCharsets.UTF_8)).envelope();
    }

    @Test
    void anAddressWrittenTheOldWayTakesItsCommentAsName() {
        String realName = "((\"Real Name\" NIL \"user\" \"example.org\"))";
        assertThat(rendered("user@example.org (Real Name)")).isEqualTo(realName);
        assertThat(rendered("user@example.org(Real Name)")).isEqualTo(realName);
        assertThat(rendered("<user@example.org> (Real Name)")).isEqualTo(realName);
        assertThat(rendered("(Real Name) user@example.org")).isEqualTo(realName);
    }

    @Test
    void theLastNonEmptyCommentIsTheName() {
        assertThat(rendered("user (not this) @ example.org (Real  Name) ()"))
                .isEqualTo("((\"Real Name\" NIL \"user\" \"example.org\"))");
        assertThat(rendered("a@example.org (first), b@example.org (second)"))
                .isEqualTo("((\"first\" NIL \"a\" \"example.org\")(\"second\" NIL \"b\" \"example.org\"))");
        assertThat(rendered("a@example.org ()")).isEqualTo("((NIL NIL \"a\" \"example.org\"))");
    }

    @Test
    void nestedCommentsAndQuotedPairsAreKeptAsText() {
        assertThat(rendered("a@example.org (Real (nested) \\) \"Name\")"))
                .isEqualTo("((\"Real (nested) ) \\\"Name\\\"\" NIL \"a\" \"example.org\"))");
        assertThat(rendered("a@example.org (unclosed")).isEqualTo("((\"unclosed\" NIL \"a\" \"example.org\"))");
        assertThat(rendered("\"not (a comment)\"@example.org"))
                .isEqualTo("((NIL NIL \"not (a comment)\" \"example.org\"))");
    }

    @Test
    void aDisplayNameWinsOverComments() {
        assertThat(rendered("\"Quoted\" <user@example.org> (comment)"))
                .isEqualTo("((\"Quoted\" NIL \"user\" \"example.org\"))");
        assertThat(rendered("Bob (middle) Smith <bob@example.org>"))
                .isEqualTo("((\"Bob Smith\" NIL \"bob\" \"example.org\"))");
        assertThat(rendered("\"\" <bob@example.org> (Bob)")).isEqualTo("((\"Bob\" NIL \"bob\" \"example.org\"))");
    }

    @Test
    void aGroupIsAStartEntryItsMailboxesAndAnEndEntry() {
        assertThat(rendered("group: a@example.org, Carl <c@example.org>;")).isEqualTo(
                "((NIL NIL \"group\" NIL)(NIL NIL \"a\" \"example.org\")(\"Carl\" NIL \"c\" \"example.org\")"
                        + "(NIL NIL NIL NIL))");
        assertThat(rendered("a@example.org, team: t@example.org (Tom);, z@example.org")).isEqualTo(
                "((NIL NIL \"a\" \"example.org\")(NIL NIL \"team\" NIL)(\"Tom\" NIL \"t\" \"example.org\")"
                        + "(NIL NIL NIL NIL)(NIL NIL \"z\" \"example.org\"))");
    }

    @Test
    void emptyGroupsAndGroupsWithOnlyACommentHaveNoMailboxes() {
        assertThat(rendered("undisclosed-recipients:;"))
                .isEqualTo("((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))");
        assertThat(rendered("undisclosed-recipients: (nobody) ;"))
                .isEqualTo("((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))");
        assertThat(rendered("\"My Group\": ;")).isEqualTo("((NIL NIL \"My Group\" NIL)(NIL NIL NIL NIL))");
    }

    @Test
    void anUnclosedGroupIsClosedAtTheEnd() {
        assertThat(rendered("team: a@example.org"))
                .isEqualTo("((NIL NIL \"team\" NIL)(NIL NIL \"a\" \"example.org\")(NIL NIL NIL NIL))");
    }

    @Test
    void encodedWordsAreLeftToTheClientInNamesAndComments() {
        assertThat(rendered("=?UTF-8?Q?Doe=2C_John?= <john@example.org>"))
                .isEqualTo("((\"=?UTF-8?Q?Doe=2C_John?=\" NIL \"john\" \"example.org\"))");
        assertThat(rendered("jorg@example.org (=?UTF-8?Q?J=C3=B6rg?=)"))
                .isEqualTo("((\"=?UTF-8?Q?J=C3=B6rg?=\" NIL \"jorg\" \"example.org\"))");
        assertThat(rendered("=?UTF-8?Q?Team_=C3=A9?=: a@example.org;"))
                .isEqualTo("((NIL NIL \"=?UTF-8?Q?Team_=C3=A9?=\" NIL)(NIL NIL \"a\" \"example.org\")"
                        + "(NIL NIL NIL NIL))");
    }

    @Test
    void quotedLocalPartsLoseTheirQuoting() {
        assertThat(rendered("\"john doe\"@example.org")).isEqualTo("((NIL NIL \"john doe\" \"example.org\"))");
        assertThat(rendered("\"a\\\"b\"@example.org")).isEqualTo("((NIL NIL \"a\\\"b\" \"example.org\"))");
    }

    @Test
    void anAddressWithoutDomainNeverLooksLikeAGroupStart() {
        assertThat(rendered("root")).isEqualTo("((NIL NIL \"root\" \"MISSING_DOMAIN\"))");
        assertThat(rendered("root (Cron Daemon)")).isEqualTo("((\"Cron Daemon\" NIL \"root\" \"MISSING_DOMAIN\"))");
        assertThat(rendered("Doe, John <john@example.org>"))
                .isEqualTo("((NIL NIL \"Doe\" \"MISSING_DOMAIN\")(\"John\" NIL \"john\" \"example.org\"))");
        assertThat(rendered("Nobody <@example.org>"))
                .isEqualTo("((\"Nobody\" \"@example.org\" \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
    }

    @Test
    void routeAddrsKeepTheirRoute() {
        assertThat(rendered("Name <@r1.example,@r2.example:user@example.org>"))
                .isEqualTo("((\"Name\" \"@r1.example,@r2.example\" \"user\" \"example.org\"))");
    }

    @Test
    void unparsableFieldsDegradeToWhatCanBeRead() {
        assertThat(rendered("\"unterminated <a@example.org>"))
                .isEqualTo("((NIL NIL \"unterminated <a@example.org>\" \"MISSING_DOMAIN\"))");
        assertThat(rendered("<<>>")).isEqualTo("((NIL NIL \"<\" \"MISSING_DOMAIN\"))");
        assertThat(rendered(",,; ;")).isEqualTo("NIL");
        assertThat(rendered("<>")).isEqualTo("NIL");
        assertThat(rendered("(only a comment)")).isEqualTo("NIL");
        assertThat(rendered("")).isEqualTo("NIL");
        assertThat(rendered(null)).isEqualTo("NIL");
    }

    @Test
    void eightBitAddressesAreLiterals() {
        // RFC 6532 headers: the domain is read whole (mime4j's own entry point cuts it at the
        // character count); eight-bit strings go out as literals.
        assertThat(rendered("Zoë <zoë@exämple.org>"))
                .isEqualTo("(({4}\r\nZoë NIL {4}\r\nzoë {12}\r\nexämple.org))");
    }

    @Test
    void senderAndReplyToAbsentEmptyOrUnreadableAreFrom() {
        String from = "((\"Real Name\" NIL \"user\" \"example.org\"))";
        assertThat(envelope("From: user@example.org (Real Name)\r\nSender:\r\nReply-To: (none)\r\n"))
                .isEqualTo("(NIL NIL " + from + " " + from + " " + from + " NIL NIL NIL NIL NIL)");
        assertThat(envelope("From: a@example.org\r\nSender: s@example.org\r\nTo: undisclosed-recipients:;\r\n"
                + "Bcc: b@example.org (Blind)\r\n")).isEqualTo("(NIL NIL ((NIL NIL \"a\" \"example.org\")) "
                + "((NIL NIL \"s\" \"example.org\")) ((NIL NIL \"a\" \"example.org\")) "
                + "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL "
                + "((\"Blind\" NIL \"b\" \"example.org\")) NIL NIL)");
    }

    @Test
    void anEmbeddedMessagesEnvelopeInBodystructureFollowsTheSameRules() {
        String message = "Content-Type: message/rfc822\r\n\r\nFrom: inner@example.org (Inner Name)\r\n\r\nhi\r\n";
        assertThat(MessageStructure.of(message.getBytes(StandardCharsets.UTF_8)).bodyStructure())
                .contains("(NIL NIL ((\"Inner Name\" NIL \"inner\" \"example.org\")) ");
    }

    @Test
    void theFirstMailboxReadsTheFieldAsWritten() {
        MessageStructure s = MessageStructure.of(("From: =?UTF-8?Q?Doe=2C_John?= <zed@example.org>\r\n"
                + "To: empty:;, team: (none) t@example.org;\r\n\r\nbody\r\n").getBytes(StandardCharsets.UTF_8));
        assertThat(s.firstMailbox("from")).contains(new EnvelopeAddress.Mailbox("=?UTF-8?Q?Doe=2C_John?=", null,
                "zed", "example.org"));
        assertThat(s.firstMailbox("From").orElseThrow().decodedName()).isEqualTo("Doe, John");
        // A list opening with a group: the group's start, by its name (RFC 5256 §3, as ENVELOPE gives it).
        assertThat(s.firstMailbox("To")).contains(new EnvelopeAddress.Mailbox(null, null, "empty", null));
        assertThat(s.firstMailbox("Cc")).isEmpty();
    }
}
