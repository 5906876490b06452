package io.yubin.imap.search;

import static io.yubin.imap.search.FakeMessage.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.imap.SequenceSet;
import io.yubin.imap.search.SearchKey.DateComparison;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchEvaluatorTest {

    private static final ZoneId UTC = ZoneOffset.UTC;

    private static SearchEvaluator evaluator(long count, long largestUid) {
        return new SearchEvaluator(count, largestUid, List.of(), UTC);
    }

    private static boolean matches(SearchKey key, FakeMessage m) {
        return evaluator(10, 100).matches(key, m);
    }

    private static SearchKey flag(String f, boolean set) {
        return new SearchKey.Flag(f, set);
    }

    @Test
    void allMatchesEveryMessage() {
        assertThat(matches(new SearchKey.All(), msg(1))).isTrue();
    }

    @Test
    void systemFlagsAndTheirNegations() {
        FakeMessage m = msg(1).flags("\\Seen", "\\Flagged");
        assertThat(matches(flag("\\Seen", true), m)).isTrue();
        assertThat(matches(flag("\\Flagged", true), m)).isTrue();
        assertThat(matches(flag("\\Answered", true), m)).isFalse();
        assertThat(matches(flag("\\Deleted", false), m)).isTrue();
        assertThat(matches(flag("\\Draft", false), m)).isTrue();
        assertThat(matches(flag("\\Seen", false), m)).isFalse();
    }

    @Test
    void keywordsMatchWithoutRegardToCase() {
        FakeMessage m = msg(1).flags("$Junk", "Work");
        assertThat(matches(flag("$junk", true), m)).isTrue();
        assertThat(matches(flag("WORK", true), m)).isTrue();
        assertThat(matches(flag("$Phishing", true), m)).isFalse();
        assertThat(matches(flag("$JUNK", false), m)).isFalse();
        assertThat(matches(flag("$Phishing", false), m)).isTrue();
    }

    @Test
    void systemFlagNamesMatchWithoutRegardToCase() {
        assertThat(matches(flag("\\SEEN", true), msg(1).flags("\\Seen"))).isTrue();
    }

    @Test
    void recentOldAndNew() {
        FakeMessage recentUnseen = msg(1).recent(true);
        FakeMessage recentSeen = msg(2).recent(true).flags("\\Seen");
        FakeMessage old = msg(3);
        SearchKey newKey = new SearchKey.And(List.of(new SearchKey.Recent(true), flag("\\Seen", false)));
        assertThat(matches(new SearchKey.Recent(true), recentSeen)).isTrue();
        assertThat(matches(new SearchKey.Recent(false), old)).isTrue();
        assertThat(matches(new SearchKey.Recent(false), recentUnseen)).isFalse();
        assertThat(matches(newKey, recentUnseen)).isTrue();
        assertThat(matches(newKey, recentSeen)).isFalse();
        assertThat(matches(newKey, old)).isFalse();
    }

    @Test
    void internalDateComparesTheDateInTheServerZone() {
        // 23:30 UTC on 1 March is already 2 March in Tokyo.
        FakeMessage m = msg(1).internalDate("2024-03-01T23:30:00Z");
        SearchEvaluator utc = new SearchEvaluator(1, 1, List.of(), UTC);
        SearchEvaluator tokyo = new SearchEvaluator(1, 1, List.of(), ZoneId.of("Asia/Tokyo"));
        LocalDate march1 = LocalDate.of(2024, 3, 1);
        LocalDate march2 = LocalDate.of(2024, 3, 2);
        assertThat(utc.matches(new SearchKey.InternalDate(DateComparison.ON, march1), m)).isTrue();
        assertThat(tokyo.matches(new SearchKey.InternalDate(DateComparison.ON, march1), m)).isFalse();
        assertThat(tokyo.matches(new SearchKey.InternalDate(DateComparison.ON, march2), m)).isTrue();
        assertThat(utc.matches(new SearchKey.InternalDate(DateComparison.BEFORE, march2), m)).isTrue();
        assertThat(tokyo.matches(new SearchKey.InternalDate(DateComparison.BEFORE, march2), m)).isFalse();
    }

    @Test
    void beforeIsStrictAndSinceIncludesTheDay() {
        FakeMessage m = msg(1).internalDate("2024-03-01T00:00:00Z");
        LocalDate day = LocalDate.of(2024, 3, 1);
        assertThat(matches(new SearchKey.InternalDate(DateComparison.BEFORE, day), m)).isFalse();
        assertThat(matches(new SearchKey.InternalDate(DateComparison.SINCE, day), m)).isTrue();
        assertThat(matches(new SearchKey.InternalDate(DateComparison.BEFORE, day.plusDays(1)), m)).isTrue();
        assertThat(matches(new SearchKey.InternalDate(DateComparison.SINCE, day.plusDays(1)), m)).isFalse();
        assertThat(matches(new SearchKey.InternalDate(DateComparison.ON, day.minusDays(1)), m)).isFalse();
    }

    @Test
    void sentDatesUseTheDateHeadersOwnDateIgnoringTimeAndZone() {
        // 23:59 at -08:00 is 07:59 UTC the next day; SENTON still means 1 March.
        FakeMessage m = msg(1).sent("2024-03-01T23:59:00-08:00");
        LocalDate march1 = LocalDate.of(2024, 3, 1);
        assertThat(matches(new SearchKey.SentDate(DateComparison.ON, march1), m)).isTrue();
        assertThat(matches(new SearchKey.SentDate(DateComparison.ON, march1.plusDays(1)), m)).isFalse();
        assertThat(matches(new SearchKey.SentDate(DateComparison.BEFORE, march1.plusDays(1)), m)).isTrue();
        assertThat(matches(new SearchKey.SentDate(DateComparison.BEFORE, march1), m)).isFalse();
        assertThat(matches(new SearchKey.SentDate(DateComparison.SINCE, march1), m)).isTrue();
        assertThat(matches(new SearchKey.SentDate(DateComparison.SINCE, march1.plusDays(1)), m)).isFalse();
    }

    @Test
    void sentDateKeysNeverMatchAMessageWithoutAValidDate() {
        FakeMessage m = msg(1).header("Date", "not a date");
        LocalDate day = LocalDate.of(2024, 3, 1);
        for (DateComparison c : DateComparison.values()) {
            assertThat(matches(new SearchKey.SentDate(c, day), m)).isFalse();
        }
        assertThat(matches(new SearchKey.Not(new SearchKey.SentDate(DateComparison.ON, day)), m)).isTrue();
    }

    @Test
    void largerAndSmallerAreStrict() {
        FakeMessage m = msg(1).size(500);
        assertThat(matches(new SearchKey.Size(true, 499), m)).isTrue();
        assertThat(matches(new SearchKey.Size(true, 500), m)).isFalse();
        assertThat(matches(new SearchKey.Size(false, 501), m)).isTrue();
        assertThat(matches(new SearchKey.Size(false, 500), m)).isFalse();
    }

    @Test
    void headerKeysAreCaseInsensitiveSubstrings() {
        FakeMessage m = msg(1).header("From", "Alice Example <alice@example.org>")
                .header("To", "bob@example.net").header("Cc", "carol@example.com")
                .header("Bcc", "dave@example.com").subject("Quarterly Report").header("X-Tag", "Blue");
        assertThat(matches(new SearchKey.Header("FROM", "ALICE@EXAMPLE"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("TO", "Bob@"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("CC", "carol"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("BCC", "dave"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("SUBJECT", "terly rep"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("X-TAG", "blue"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("SUBJECT", "invoice"), m)).isFalse();
        assertThat(matches(new SearchKey.Header("REPLY-TO", "alice"), m)).isFalse();
    }

    @Test
    void addressKeysFindAnAddressWrittenWithCommentsInsideAsTheEnvelopeReadsIt() {
        FakeMessage m = msg(1).header("From", "<user-from (comment)@ (comment) domain.org>")
                .header("To", "groupname: groupuser1@domain.org;");
        assertThat(matches(new SearchKey.Header("FROM", "user-from@domain.org"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("FROM", "comment"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("TO", "groupname"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("FROM", "other@domain.org"), m)).isFalse();
        // Only the address fields are read as addresses.
        assertThat(matches(new SearchKey.Header("SUBJECT", "user-from@domain.org"),
                msg(2).subject("<user-from (c)@domain.org>"))).isFalse();
    }

    @Test
    void anyOfSeveralFieldsWithTheSameNameMayMatch() {
        FakeMessage m = msg(1).header("Received", "from a").header("Received", "from b");
        assertThat(matches(new SearchKey.Header("RECEIVED", "FROM B"), m)).isTrue();
    }

    @Test
    void emptyHeaderValueMatchesThePresenceOfTheField() {
        FakeMessage with = msg(1).header("List-Id", "");
        FakeMessage without = msg(2);
        assertThat(matches(new SearchKey.Header("LIST-ID", ""), with)).isTrue();
        assertThat(matches(new SearchKey.Header("LIST-ID", ""), without)).isFalse();
    }

    @Test
    void nonAsciiMatchesAreCaseInsensitive() {
        FakeMessage m = msg(1).subject("Grüße aus München — ΣΟΦΊΑ").body("Straße und ÉTÉ");
        assertThat(matches(new SearchKey.Header("SUBJECT", "MÜNCHEN"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("SUBJECT", "GRÜSSE"), m)).isTrue();
        assertThat(matches(new SearchKey.Header("SUBJECT", "σοφία"), m)).isTrue();
        assertThat(matches(new SearchKey.Body("STRASSE"), m)).isTrue();
        assertThat(matches(new SearchKey.Body("été"), m)).isTrue();
    }

    @Test
    void composedAndDecomposedSpellingsMatch() {
        FakeMessage m = msg(1).subject("Caf\u00e9");
        assertThat(matches(new SearchKey.Header("SUBJECT", "CAFE\u0301"), m)).isTrue();
    }

    @Test
    void bodyLooksOnlyAtTheBodyAndTextAtBoth() {
        FakeMessage m = msg(1).subject("Lunch").body("see you at noon");
        assertThat(matches(new SearchKey.Body("NOON"), m)).isTrue();
        assertThat(matches(new SearchKey.Body("lunch"), m)).isFalse();
        assertThat(matches(new SearchKey.Text("lunch"), m)).isTrue();
        assertThat(matches(new SearchKey.Text("Noon"), m)).isTrue();
        assertThat(matches(new SearchKey.Text("dinner"), m)).isFalse();
    }

    @Test
    void sequenceSetsUseMessageNumbersAndStarIsTheMessageCount() {
        SearchEvaluator e = evaluator(5, 50);
        SearchKey twoToStar = new SearchKey.Sequence(SequenceSet.parse("2:*"), false);
        assertThat(e.matches(twoToStar, msg(1).uid(10))).isFalse();
        assertThat(e.matches(twoToStar, msg(5).uid(50))).isTrue();
        SearchKey star = new SearchKey.Sequence(SequenceSet.parse("*"), false);
        assertThat(e.matches(star, msg(5).uid(50))).isTrue();
        assertThat(e.matches(star, msg(4).uid(40))).isFalse();
        SearchKey list = new SearchKey.Sequence(SequenceSet.parse("1,3:4"), false);
        assertThat(e.matches(list, msg(3).uid(30))).isTrue();
        assertThat(e.matches(list, msg(2).uid(20))).isFalse();
    }

    @Test
    void uidSetsUseUidsAndStarIsTheLargestUid() {
        SearchEvaluator e = evaluator(3, 50);
        SearchKey star = new SearchKey.Sequence(SequenceSet.parse("*"), true);
        assertThat(e.matches(star, msg(3).uid(50))).isTrue();
        assertThat(e.matches(star, msg(3).uid(3))).isFalse();
        // RFC 9051 §6.4.8: 60:* means 50:60 when 50 is the largest UID.
        SearchKey above = new SearchKey.Sequence(SequenceSet.parse("60:*"), true);
        assertThat(e.matches(above, msg(3).uid(50))).isTrue();
        assertThat(e.matches(above, msg(2).uid(49))).isFalse();
    }

    @Test
    void starOnAnEmptyMailboxNamesNothing() {
        SearchEvaluator e = evaluator(0, 0);
        assertThat(e.search(new SearchKey.Sequence(SequenceSet.parse("1:*"), false), List.of())).isEmpty();
        assertThat(e.matches(new SearchKey.Sequence(SequenceSet.parse("*"), true), msg(1).uid(1))).isFalse();
    }

    @Test
    void savedResultIsMatchedByUidForBothKindsOfSet() {
        SearchEvaluator e = new SearchEvaluator(3, 30, List.of(10L, 30L), UTC);
        SearchKey savedMsn = new SearchKey.Sequence(SequenceSet.SAVED, false);
        SearchKey savedUid = new SearchKey.Sequence(SequenceSet.SAVED, true);
        List<MessageView> all = List.of(msg(1).uid(10), msg(2).uid(20), msg(3).uid(30));
        assertThat(e.search(savedMsn, all)).extracting(MessageView::msn).containsExactly(1L, 3L);
        assertThat(e.search(savedUid, all)).extracting(MessageView::msn).containsExactly(1L, 3L);
    }

    @Test
    void emptySavedResultMatchesNothing() {
        SearchEvaluator e = evaluator(1, 1);
        assertThat(e.matches(new SearchKey.Sequence(SequenceSet.SAVED, true), msg(1))).isFalse();
    }

    @Test
    void modSeqMatchesAtLeastTheGivenValue() {
        FakeMessage m = msg(1).modSeq(7);
        assertThat(matches(new SearchKey.ModSeq(7), m)).isTrue();
        assertThat(matches(new SearchKey.ModSeq(6), m)).isTrue();
        assertThat(matches(new SearchKey.ModSeq(8), m)).isFalse();
    }

    @Test
    void notOrAndCombine() {
        FakeMessage m = msg(1).flags("\\Seen").size(10).subject("hello");
        SearchKey seen = flag("\\Seen", true);
        SearchKey big = new SearchKey.Size(true, 1000);
        SearchKey hello = new SearchKey.Header("SUBJECT", "hello");
        assertThat(matches(new SearchKey.Not(seen), m)).isFalse();
        assertThat(matches(new SearchKey.Or(big, seen), m)).isTrue();
        assertThat(matches(new SearchKey.Or(big, new SearchKey.Not(seen)), m)).isFalse();
        assertThat(matches(new SearchKey.And(List.of(seen, hello)), m)).isTrue();
        assertThat(matches(new SearchKey.And(List.of(seen, hello, big)), m)).isFalse();
        assertThat(matches(new SearchKey.Not(new SearchKey.And(List.of(seen, big))), m)).isTrue();
        assertThat(matches(new SearchKey.And(List.of()), m)).isTrue();
    }

    @Test
    void bodyIsNotReadWhenACheaperKeyAlreadyFails() {
        FakeMessage m = msg(1).body("needle").size(10);
        SearchKey key = new SearchKey.And(List.of(new SearchKey.Body("needle"), new SearchKey.Size(true, 1000)));
        assertThat(matches(key, m)).isFalse();
        assertThat(m.bodyReads).hasValue(0);
    }

    @Test
    void headerIsNotReadWhenAFlagAlreadyDecidesAnOr() {
        FakeMessage m = msg(1).flags("\\Seen").subject("x");
        SearchKey key = new SearchKey.Or(new SearchKey.Header("SUBJECT", "x"), flag("\\Seen", true));
        assertThat(matches(key, m)).isTrue();
        assertThat(m.headerReads).hasValue(0);
    }

    @Test
    void bodyIsReadOnlyForMessagesThatPassedEverythingElse() {
        FakeMessage a = msg(1).flags("\\Seen").subject("report").body("numbers");
        FakeMessage b = msg(2).subject("report").body("numbers");
        FakeMessage c = msg(3).flags("\\Seen").subject("party").body("numbers");
        SearchKey key = new SearchKey.And(List.of(new SearchKey.Text("numbers"),
                new SearchKey.Header("SUBJECT", "report"), flag("\\Seen", true)));
        List<MessageView> found = evaluator(3, 3).search(key, List.of(a, b, c));
        assertThat(found).containsExactly(a);
        assertThat(b.bodyReads).hasValue(0);
        assertThat(c.bodyReads).hasValue(0);
        assertThat(a.bodyReads).hasValue(1);
    }

    @Test
    void searchReturnsMatchesInSequenceOrder() {
        List<MessageView> messages = List.of(msg(3).size(5), msg(1).size(5), msg(2).size(500));
        assertThat(evaluator(3, 3).search(new SearchKey.Size(false, 100), messages))
                .extracting(MessageView::msn).containsExactly(1L, 3L);
    }
}
