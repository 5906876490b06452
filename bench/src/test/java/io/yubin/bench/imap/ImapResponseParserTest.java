package io.yubin.bench.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImapResponseParserTest {

    private static ImapResponse parse(String line) throws ImapSyntaxException {
        return ImapResponseParser.parse(RawResponse.line(line));
    }

    @Test
    void parsesFetchWithFlagsUidEnvelopeAndALiteralBody() throws Exception {
        RawResponse raw = new RawResponse(List.of(
                "* 12 FETCH (UID 40 FLAGS (\\Seen $Label1) ENVELOPE (\"Mon, 1 Jan 2024 00:00:00 +0000\" \"a \\\"b\\\"\""
                        + " ((\"Sender 1\" NIL \"sender1\" \"example.org\")) NIL NIL ((NIL NIL \"u\" \"bench.test\"))"
                        + " NIL NIL NIL \"<1.1@seed.bench.test>\") BODY[] {5}",
                ")"), List.of("hello".getBytes(StandardCharsets.US_ASCII)));
        ImapResponse.Fetch f = (ImapResponse.Fetch) ImapResponseParser.parse(raw);
        assertThat(f.number()).isEqualTo(12);
        assertThat(f.items()).containsOnlyKeys("UID", "FLAGS", "ENVELOPE", "BODY[]");
        assertThat(((ImapValue.Str) f.items().get("BODY[]")).text()).isEqualTo("hello");
        assertThat(((ImapValue.Lst) f.items().get("FLAGS")).items())
                .containsExactly(new ImapValue.Atom("\\Seen"), new ImapValue.Atom("$Label1"));
    }

    @Test
    void readsSectionsWithSpacesAndOrigins() throws Exception {
        ImapResponse.Fetch f = (ImapResponse.Fetch) parse(
                "* 1 FETCH (BODY[HEADER.FIELDS (FROM TO)] NIL BODY[]<0> \"x\")");
        assertThat(f.items()).containsOnlyKeys("BODY[HEADER.FIELDS (FROM TO)]", "BODY[]<0>");
    }

    @Test
    void parsesStatusResponsesWithCodes() throws Exception {
        ImapResponse.Status s = (ImapResponse.Status) parse("* OK [PERMANENTFLAGS (\\Seen \\*)] Limited");
        assertThat(s.code()).isEqualTo("PERMANENTFLAGS");
        assertThat(s.codeArgs()).isEqualTo("(\\Seen \\*)");
        ImapResponse.Tagged t = (ImapResponse.Tagged) parse("A7 NO [EXPUNGEISSUED] Some messages were expunged");
        assertThat(t.tag()).isEqualTo("A7");
        assertThat(t.condition()).isEqualTo(ImapResponse.Condition.NO);
        assertThat(t.code()).isEqualTo("EXPUNGEISSUED");
        assertThat(((ImapResponse.Tagged) parse("A1 OK [READ-WRITE] SELECT completed")).code()).isEqualTo("READ-WRITE");
        assertThat(((ImapResponse.Tagged) parse("A2 OK")).text()).isEmpty();
    }

    @Test
    void parsesCountsFlagsAndSearch() throws Exception {
        assertThat(parse("* 23 EXISTS")).isEqualTo(new ImapResponse.Exists(23));
        assertThat(parse("* 0 RECENT")).isEqualTo(new ImapResponse.Recent(0));
        assertThat(parse("* 4 EXPUNGE")).isEqualTo(new ImapResponse.Expunge(4));
        assertThat(parse("* FLAGS (\\Answered \\Seen $Label2)"))
                .isEqualTo(new ImapResponse.Flags(List.of("\\Answered", "\\Seen", "$Label2")));
        assertThat(parse("* SEARCH 2 3 7")).isEqualTo(new ImapResponse.Search(List.of(2L, 3L, 7L)));
        assertThat(parse("* SEARCH")).isEqualTo(new ImapResponse.Search(List.of()));
        assertThat(parse("* CAPABILITY IMAP4rev1 LITERAL+")).isEqualTo(new ImapResponse.Other("CAPABILITY"));
        assertThat(parse("+ Ready")).isInstanceOf(ImapResponse.Continuation.class);
    }

    @Test
    void rejectsWhatTheGrammarDoesNot() {
        for (String bad : List.of(
                "* 3 FETCH (FLAGS (\\Seen)",            // unclosed
                "* 3 FETCH (FLAGS \\Seen)",             // FLAGS not a list
                "* 3 FETCH (UID x)",                     // UID not a number
                "* 3 FETCH (ENVELOPE (NIL NIL))",        // envelope of 2
                "* 0 FETCH (FLAGS ())",                  // message number 0
                "* 0 EXPUNGE",
                "* 3 EXISTS extra",                      // trailing text
                "* 3 FROBNICATE",
                "* XYZZY 1 2",                           // unknown untagged response
                "* SEARCH 1 0",
                "* FLAGS (\\Seen foo\\bar)",             // backslash inside a keyword
                "A1 MAYBE done",
                "* 3 FETCH (BODY[] \"unterminated)")) {
            assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(ImapSyntaxException.class);
        }
    }

    @Test
    void checksTheLiteralLengthAgainstTheOctetsRead() {
        RawResponse raw = new RawResponse(List.of("* 1 FETCH (BODY[] {6}", ")"),
                List.of("hello".getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> ImapResponseParser.parse(raw)).isInstanceOf(ImapSyntaxException.class);
    }
}
