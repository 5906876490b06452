package io.yubin.bench.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.bench.imap.SessionView.Command;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionViewTest {

    private static List<Violation.Kind> exchange(SessionView v, Command command, Map<Long, Set<String>> expected,
            String... responses) throws Exception {
        v.begin(command, expected);
        List<Violation> out = null;
        for (String line : responses) {
            ImapResponse r = ImapResponseParser.parse(RawResponse.line(line));
            if (r instanceof ImapResponse.Tagged t && t.tag().equals("T")) {
                out = v.end(t);
            } else {
                v.response(r);
            }
        }
        return out.stream().map(Violation::kind).toList();
    }

    private static SessionView selected(String flags, int exists) throws Exception {
        SessionView v = new SessionView();
        assertThat(exchange(v, Command.SELECT, Map.of(), "* FLAGS (" + flags + ")", "* " + exists + " EXISTS",
                "* 0 RECENT", "* OK [UIDVALIDITY 1] x", "* OK [UIDNEXT 100] x", "* OK [PERMANENTFLAGS (\\*)] x",
                "T OK [READ-WRITE] done")).isEmpty();
        return v;
    }

    @Test
    void reportsAKeywordShownBeforeAnyFlagsResponseAnnouncedIt() throws Exception {
        SessionView v = selected("\\Seen $Label1", 10);
        assertThat(exchange(v, Command.STORE, Map.of(), "* 3 FETCH (FLAGS (\\Seen $Label2))", "T OK done"))
                .containsExactly(Violation.Kind.KEYWORD_NOT_ANNOUNCED);
        assertThat(exchange(v, Command.STORE, Map.of(), "* FLAGS (\\Seen $Label1 $label2)",
                "* 3 FETCH (FLAGS (\\Seen $Label2))", "T OK done")).isEmpty();
    }

    @Test
    void reportsExistsGoingDownWithoutExpunge() throws Exception {
        SessionView v = selected("\\Seen", 10);
        assertThat(exchange(v, Command.NOOP, Map.of(), "* 2 EXPUNGE", "* 9 EXISTS", "T OK done")).isEmpty();
        assertThat(exchange(v, Command.NOOP, Map.of(), "* 8 EXISTS", "T OK done"))
                .containsExactly(Violation.Kind.EXISTS_DECREASED);
    }

    @Test
    void reportsExpungeWhileAnsweringFetchStoreOrSearchByNumberOnly() throws Exception {
        SessionView v = selected("\\Seen", 10);
        assertThat(exchange(v, Command.UID_FETCH, Map.of(), "* 1 EXPUNGE", "T OK done")).isEmpty();
        assertThat(exchange(v, Command.FETCH, Map.of(), "* 1 EXPUNGE", "T OK done"))
                .containsExactly(Violation.Kind.EXPUNGE_DURING_FETCH_STORE_SEARCH);
        assertThat(exchange(v, Command.SEARCH, Map.of(), "* 1 EXPUNGE", "* SEARCH 1", "T OK done"))
                .containsExactly(Violation.Kind.EXPUNGE_DURING_FETCH_STORE_SEARCH);
    }

    @Test
    void reportsMessageNumbersBeyondTheKnownCount() throws Exception {
        SessionView v = selected("\\Seen", 5);
        assertThat(exchange(v, Command.NOOP, Map.of(), "* 6 FETCH (FLAGS (\\Seen))", "T OK done"))
                .containsExactly(Violation.Kind.NUMBER_OUT_OF_RANGE);
        assertThat(exchange(v, Command.SEARCH, Map.of(), "* SEARCH 2 7", "T OK done"))
                .containsExactly(Violation.Kind.NUMBER_OUT_OF_RANGE);
        assertThat(exchange(v, Command.NOOP, Map.of(), "* 6 EXISTS", "* 6 FETCH (FLAGS (\\Seen))", "T OK done"))
                .isEmpty();
    }

    @Test
    void countsTaggedNoAndBadButNotExpungeIssuedOnFetch() throws Exception {
        SessionView v = selected("\\Seen", 5);
        assertThat(exchange(v, Command.FETCH, Map.of(), "T NO [EXPUNGEISSUED] gone")).isEmpty();
        assertThat(exchange(v, Command.APPEND, Map.of(), "T NO [TRYCREATE] no such mailbox"))
                .containsExactly(Violation.Kind.TAGGED_NO);
        assertThat(exchange(v, Command.NOOP, Map.of(), "T BAD what")).containsExactly(Violation.Kind.TAGGED_BAD);
    }

    @Test
    void wantsTheItemsAskedForByNumberAndTheUidOnUidFetch() throws Exception {
        SessionView v = selected("\\Seen", 5);
        assertThat(exchange(v, Command.FETCH, Map.of(2L, Set.of("FLAGS", "ENVELOPE")), "* 2 FETCH (FLAGS ())",
                "T OK done")).containsExactly(Violation.Kind.FETCH_DATA_MISSING);
        assertThat(exchange(v, Command.UID_FETCH, Map.of(), "* 2 FETCH (FLAGS () RFC822.SIZE 10)", "T OK done"))
                .containsExactly(Violation.Kind.UID_MISSING);
        assertThat(exchange(v, Command.UID_FETCH, Map.of(), "* 2 FETCH (FLAGS (\\Seen))", "T OK done")).isEmpty();
    }

    @Test
    void wantsEverySelectResponseOfImap4rev1() throws Exception {
        SessionView v = new SessionView();
        assertThat(exchange(v, Command.SELECT, Map.of(), "* FLAGS (\\Seen)", "* 3 EXISTS", "* OK [UIDVALIDITY 1] x",
                "* OK [UIDNEXT 4] x", "* OK [PERMANENTFLAGS (\\*)] x", "T OK done"))
                .containsExactly(Violation.Kind.SELECT_INCOMPLETE);
        assertThat(v.uidNext()).isEqualTo(4);
        assertThat(v.exists()).isEqualTo(3);
    }
}
