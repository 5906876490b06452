package io.yubin.imap.search;

import static io.yubin.imap.search.FakeMessage.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SorterTest {

    private static List<Long> sorted(List<SortKey> keys, MessageView... messages) {
        return Sorter.sort(keys, List.of(messages)).stream().map(MessageView::msn).toList();
    }

    @Test
    void baseSubjectRemovesReplyAndForwardLeaders() {
        assertThat(Sorter.baseSubject("Re: hello")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("RE: re: Re: hello")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("Fw: hello")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("FWD: hello")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("Re : hello")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("Re[2]: hello")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("Re [list]: hello")).isEqualTo("hello");
    }

    @Test
    void baseSubjectRemovesTrailersAndWhitespace() {
        assertThat(Sorter.baseSubject("hello (fwd)")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("hello (FWD) (fwd)  ")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("  hello \t  world  ")).isEqualTo("hello world");
        assertThat(Sorter.baseSubject("hello\r\n world")).isEqualTo("hello world");
    }

    @Test
    void baseSubjectRemovesBlobsUnlessNothingWouldRemain() {
        assertThat(Sorter.baseSubject("[PATCH] fix it")).isEqualTo("fix it");
        assertThat(Sorter.baseSubject("[list] Re: [other] Fwd: subject")).isEqualTo("subject");
        assertThat(Sorter.baseSubject("[list] [PATCH 1/2] fix")).isEqualTo("fix");
        assertThat(Sorter.baseSubject("[PATCH]")).isEqualTo("[PATCH]");
        assertThat(Sorter.baseSubject("[a] [b]")).isEqualTo("[b]");
        assertThat(Sorter.baseSubject("Re: [PATCH]")).isEqualTo("[PATCH]");
    }

    @Test
    void baseSubjectUnwrapsForwardHeaders() {
        assertThat(Sorter.baseSubject("[Fwd: hello]")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("[fwd: Re: hello] (fwd)")).isEqualTo("hello");
        assertThat(Sorter.baseSubject("Re: [Fwd: [Fwd: Re: hello (fwd)]]")).isEqualTo("hello");
    }

    @Test
    void baseSubjectLeavesLookalikesAlone() {
        assertThat(Sorter.baseSubject("Ref: manual")).isEqualTo("Ref: manual");
        assertThat(Sorter.baseSubject("Return of the jedi")).isEqualTo("Return of the jedi");
        assertThat(Sorter.baseSubject("Re:")).isEmpty();
        assertThat(Sorter.baseSubject("")).isEmpty();
    }

    @Test
    void baseSubjectRecordsWhetherItWasAReplyOrForward() {
        assertThat(BaseSubject.extract("Re: x").replyOrForward()).isTrue();
        assertThat(BaseSubject.extract("x (fwd)").replyOrForward()).isTrue();
        assertThat(BaseSubject.extract("[Fwd: x]").replyOrForward()).isTrue();
        assertThat(BaseSubject.extract("[list] x").replyOrForward()).isFalse();
        assertThat(BaseSubject.extract("  x  ").replyOrForward()).isFalse();
    }

    @Test
    void sortsBySubjectIgnoringCaseAndReplyPrefixes() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.SUBJECT)),
                msg(1).subject("Re: banana"), msg(2).subject("APPLE"), msg(3).subject("cherry"),
                msg(4).subject("[Fwd: apple]")))
                .containsExactly(2L, 4L, 1L, 3L);
    }

    @Test
    void reverseAppliesToItsCriterionOnly() {
        assertThat(sorted(List.of(SortKey.reversed(SortCriterion.SIZE)),
                msg(1).size(10), msg(2).size(30), msg(3).size(20), msg(4).size(30)))
                .containsExactly(2L, 4L, 3L, 1L);
    }

    @Test
    void laterCriteriaBreakTiesOfEarlierOnes() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.SUBJECT), SortKey.reversed(SortCriterion.SIZE)),
                msg(1).subject("b").size(1), msg(2).subject("a").size(1), msg(3).subject("b").size(9),
                msg(4).subject("a").size(5)))
                .containsExactly(4L, 2L, 3L, 1L);
    }

    @Test
    void arrivalSortsByInternalDate() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.ARRIVAL)),
                msg(1).internalDate("2024-01-03T00:00:00Z"), msg(2).internalDate("2024-01-01T00:00:00Z"),
                msg(3).internalDate("2024-01-02T00:00:00Z")))
                .containsExactly(2L, 3L, 1L);
    }

    @Test
    void dateComparesSentDatesInUtcAndFallsBackToInternalDate() {
        // 10:00+05:00 is 05:00 UTC, earlier than 06:00Z; message 3 has no Date and arrived at 05:30Z.
        assertThat(sorted(List.of(SortKey.of(SortCriterion.DATE)),
                msg(1).sent("2024-01-01T06:00:00Z"), msg(2).sent("2024-01-01T10:00:00+05:00"),
                msg(3).internalDate("2024-01-01T05:30:00Z")))
                .containsExactly(2L, 3L, 1L);
    }

    @Test
    void fromToAndCcSortOnTheFirstMailboxLocalPart() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.FROM)),
                msg(1).header("From", "Zed <bob@a.example>"), msg(2).header("From", "alice@z.example"),
                msg(3).header("From", "\"Aaron\" <Carl@b.example>, dave@c.example")))
                .containsExactly(2L, 1L, 3L);
        assertThat(sorted(List.of(SortKey.of(SortCriterion.TO)),
                msg(1).header("To", "y@x"), msg(2).header("To", "team: X@x, b@x;")))
                .containsExactly(2L, 1L);
        assertThat(sorted(List.of(SortKey.of(SortCriterion.CC)),
                msg(1).header("Cc", "m@x"), msg(2).header("Cc", "L@x")))
                .containsExactly(2L, 1L);
    }

    @Test
    void aDecodedDisplayNameWithACommaDoesNotHideTheAddress() {
        // "=?utf-8?q?Doe,_John?= <zed@x>" arrives decoded, its comma no longer inside an encoded word.
        assertThat(sorted(List.of(SortKey.of(SortCriterion.FROM)),
                msg(1).header("From", "Doe, John <zed@x.example>"), msg(2).header("From", "Mary <mary@x.example>")))
                .containsExactly(2L, 1L);
    }

    @Test
    void aListThatOpensWithAGroupSortsByTheGroupsName() {
        // RFC 5256 §3: the first address as ENVELOPE gives it, the group start, whose mailbox is the name.
        assertThat(sorted(List.of(SortKey.of(SortCriterion.FROM)),
                msg(1).header("From", "empty:;, adam@x.example"),
                msg(2).header("From", "team: (no one);, undisclosed-recipients:;"),
                msg(3).header("From", "list: Mary <mary@x.example>, adam@x.example;")))
                .containsExactly(1L, 3L, 2L);
        assertThat(sorted(List.of(SortKey.of(SortCriterion.DISPLAYFROM)),
                msg(1).header("From", "zz: a@x.example;"), msg(2).header("From", "Mm <b@x.example>")))
                .containsExactly(2L, 1L);
    }

    @Test
    void aCommentNamesTheAddressForDisplayFromButFromComparesTheMailbox() {
        MessageView[] messages = {msg(1).header("From", "zed@x.example (Alice)"),
            msg(2).header("From", "Bob <aaa@x.example> (not Bob)"), msg(3).header("From", "carl@x.example ()")};
        assertThat(sorted(List.of(SortKey.of(SortCriterion.DISPLAYFROM)), messages)).containsExactly(1L, 2L, 3L);
        assertThat(sorted(List.of(SortKey.of(SortCriterion.FROM)), messages)).containsExactly(2L, 3L, 1L);
    }

    @Test
    void reverseCcReversesTheMailboxOrderAndKeepsTiesInSequenceOrder() {
        assertThat(sorted(List.of(SortKey.reversed(SortCriterion.CC)),
                msg(1).header("Cc", "b@x.example"), msg(2).header("Cc", "A@x.example (Anne)"),
                msg(3).header("Cc", "team: B@y.example;"), msg(4)))
                .containsExactly(3L, 1L, 2L, 4L);
    }

    @Test
    void displayToDecodesAnEncodedName() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.DISPLAYTO)),
                msg(1).header("To", "=?UTF-8?Q?Zo=C3=AB?= <a@x.example>"),
                msg(2).header("To", "yann@x.example")))
                .containsExactly(2L, 1L);
    }

    @Test
    void missingAddressesSortAsEmptyStrings() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.CC)),
                msg(1).header("Cc", "a@x"), msg(2), msg(3).header("Cc", "")))
                .containsExactly(2L, 3L, 1L);
    }

    @Test
    void missingSubjectsSortFirst() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.SUBJECT)), msg(1).subject("a"), msg(2)))
                .containsExactly(2L, 1L);
    }

    @Test
    void displayFromUsesTheDisplayNameOrElseTheAddress() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.DISPLAYFROM)),
                msg(1).header("From", "Zoë <aaa@x.example>"), msg(2).header("From", "mmm@x.example"),
                msg(3).header("From", "\"bob\" <zzz@x.example>")))
                .containsExactly(3L, 2L, 1L);
        assertThat(sorted(List.of(SortKey.of(SortCriterion.DISPLAYTO)),
                msg(1).header("To", "Beta <a@x>"), msg(2).header("To", "alpha <z@x>")))
                .containsExactly(2L, 1L);
    }

    @Test
    void nonAsciiSubjectsCompareUnderUnicodeCasemap() {
        assertThat(sorted(List.of(SortKey.of(SortCriterion.SUBJECT)),
                msg(1).subject("ÉCOLE"), msg(2).subject("école"), msg(3).subject("ecole")))
                .containsExactly(3L, 1L, 2L);
    }

    @Test
    void sortNeedsACriterion() {
        assertThatThrownBy(() -> Sorter.sort(List.of(), List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Property
    void sortIsAPermutationWithTiesInSequenceOrder(@ForAll @IntRange(min = 0, max = 40) int count,
            @ForAll long seed, @ForAll boolean reverse) {
        Random random = new Random(seed);
        List<MessageView> messages = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            messages.add(msg(i).size(random.nextInt(4)).subject(List.of("a", "Re: a", "b", "B").get(random.nextInt(4))));
        }
        List<MessageView> shuffled = new ArrayList<>(messages);
        Collections.shuffle(shuffled, random);
        List<SortKey> keys = List.of(new SortKey(SortCriterion.SIZE, reverse), SortKey.of(SortCriterion.SUBJECT));
        List<MessageView> out = Sorter.sort(keys, shuffled);
        assertThat(out).containsExactlyInAnyOrderElementsOf(messages);
        for (int i = 1; i < out.size(); i++) {
            MessageView a = out.get(i - 1);
            MessageView b = out.get(i);
            int bySize = Long.compare(a.size(), b.size()) * (reverse ? -1 : 1);
            assertThat(bySize).isLessThanOrEqualTo(0);
            String sa = Sorter.baseSubject(a.header("Subject").get(0)).toLowerCase();
            String sb = Sorter.baseSubject(b.header("Subject").get(0)).toLowerCase();
            if (bySize == 0) {
                assertThat(sa.compareTo(sb)).isLessThanOrEqualTo(0);
                if (sa.equals(sb)) {
                    assertThat(a.msn()).isLessThan(b.msn());
                }
            }
        }
    }
}
