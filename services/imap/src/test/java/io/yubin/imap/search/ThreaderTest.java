package io.yubin.imap.search;

import static io.yubin.imap.search.FakeMessage.msg;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ThreaderTest {

    private static String day(int n) {
        return String.format("2024-01-%02dT10:00:00Z", n);
    }

    private static FakeMessage message(long msn, String id, int day) {
        return msg(msn).header("Message-ID", "<" + id + ">").sent(day(day));
    }

    private static String references(MessageView... messages) {
        return Threader.render(Threader.references(List.of(messages), MessageView::msn));
    }

    @Test
    void rendersChainsFlatAndSiblingsInParentheses() {
        ThreadNode tree = new ThreadNode(3, List.of(new ThreadNode(6, List.of(
                new ThreadNode(4, List.of(new ThreadNode(23, List.of()))),
                new ThreadNode(44, List.of(new ThreadNode(7, List.of(new ThreadNode(96, List.of())))))))));
        assertThat(Threader.render(List.of(new ThreadNode(2, List.of()), tree))).isEqualTo("(2)(3 6 (4 23)(44 7 96))");
    }

    @Test
    void rendersADummyRootAsItsChildrenOnly() {
        ThreadNode dummy = new ThreadNode(0, List.of(new ThreadNode(3, List.of()), new ThreadNode(5, List.of())));
        assertThat(Threader.render(List.of(dummy))).isEqualTo("((3)(5))");
        assertThat(Threader.render(List.of())).isEmpty();
    }

    @Test
    void referencesBuildsTheRfc5256ExampleThread() {
        // RFC 5256 §4: "(2)(3 6 (4 23)(44 7 96))".
        String got = references(
                message(2, "m2", 1),
                message(3, "m3", 2),
                message(4, "m4", 4).header("References", "<m3> <m6>"),
                message(6, "m6", 3).header("References", "<m3>"),
                message(7, "m7", 7).header("References", "<m3> <m6> <m44>"),
                message(23, "m23", 5).header("References", "<m3>\r\n <m6> <m4>"),
                message(44, "m44", 6).header("References", "<m3> <m6>"),
                message(96, "m96", 8).header("References", "<m3> <m6> <m44> <m7>"));
        assertThat(got).isEqualTo("(2)(3 6 (4 23)(44 7 96))");
    }

    @Test
    void numbersAreWhatTheCallerChooses() {
        List<MessageView> messages = List.of(message(1, "a", 1).uid(100),
                message(2, "b", 2).uid(200).header("In-Reply-To", "<a>"));
        assertThat(Threader.render(Threader.references(messages, MessageView::uid))).isEqualTo("(100 200)");
    }

    @Test
    void inReplyToIsUsedOnlyWithoutReferences() {
        assertThat(references(message(1, "a", 1), message(2, "b", 2),
                message(3, "c", 3).header("In-Reply-To", "<b> (comment) <a>")))
                .isEqualTo("(1)(2 3)");
        assertThat(references(message(1, "a", 1), message(2, "b", 2),
                message(3, "c", 3).header("In-Reply-To", "<b>").header("References", "<a>")))
                .isEqualTo("(1 3)(2)");
    }

    @Test
    void aMissingParentWithSeveralChildrenBecomesADummyRoot() {
        assertThat(references(message(1, "a", 1).header("References", "<gone>"),
                message(2, "b", 2).header("References", "<gone>")))
                .isEqualTo("((1)(2))");
    }

    @Test
    void missingAncestorsOfASingleMessageArePruned() {
        assertThat(references(message(1, "a", 1).header("References", "<x> <y>"))).isEqualTo("(1)");
    }

    @Test
    void aMissingMessageInTheMiddleOfAThreadIsSplicedOut() {
        // a -> (missing b) -> c and d: c and d become children of a.
        assertThat(references(message(1, "a", 1),
                message(2, "c", 2).header("References", "<a> <b>"),
                message(3, "d", 3).header("References", "<a> <b>")))
                .isEqualTo("(1 (2)(3))");
    }

    @Test
    void aMessagesOwnLastReferenceBreaksItsPresumedParentEvenWhenTheNewLinkWouldLoop() {
        // imaptest's "thread": b's References put c under a and b under c; then c arrives naming b,
        // which would close a loop. RFC 5256 (1)(C): the presumed link a-c is broken first, and the
        // new one not made: c heads b's thread, a stands alone (the older thread first).
        assertThat(references(msg(1).header("Message-ID", "<a@b>").internalDate("2008-02-22T17:06:23Z"),
                msg(2).header("Message-Id", "<b@b>").header("References", "<a@b> <c@b>")
                        .internalDate("2008-02-22T15:06:23Z"),
                msg(3).header("Message-Id", "<c@b>").header("References", "<b@b>")
                        .internalDate("2008-02-22T16:06:25Z")))
                .isEqualTo("(3 2)(1)");
    }

    @Test
    void loopsInReferencesAreNotFollowed() {
        // a is first placed under b; b's own link to a would close a loop, so b stays the root.
        assertThat(references(message(1, "a", 1).header("References", "<b>"),
                message(2, "b", 2).header("References", "<a>")))
                .isEqualTo("(2 1)");
        assertThat(references(message(1, "a", 1).header("References", "<a>"))).isEqualTo("(1)");
        assertThat(references(message(1, "a", 1).header("References", "<x> <y> <x>"),
                message(2, "x", 2).header("References", "<a>")))
                .isEqualTo("(2 1)");
    }

    @Test
    void duplicateMessageIdsStillShowEveryMessage() {
        assertThat(references(message(1, "same", 1), message(2, "same", 2), message(3, "c", 3)
                .header("References", "<same>")))
                .isEqualTo("(1 3)(2)");
    }

    @Test
    void messagesWithoutMessageIdAreThreadsOfTheirOwn() {
        assertThat(references(msg(1).sent(day(1)).subject("x1"), msg(2).sent(day(2)).subject("x2")))
                .isEqualTo("(1)(2)");
    }

    @Test
    void aReplyWithoutReferencesJoinsTheThreadOfItsSubject() {
        assertThat(references(message(1, "a", 1).subject("hello"), message(2, "b", 2).subject("Re: hello")))
                .isEqualTo("(1 2)");
    }

    @Test
    void rootsWithTheSameSubjectThatAreNotRepliesShareADummy() {
        assertThat(references(message(1, "a", 1).subject("hello"), message(2, "b", 2).subject("Hello"),
                message(3, "c", 3).subject("other")))
                .isEqualTo("((1)(2))(3)");
    }

    @Test
    void theOriginalPostAdoptsAnEarlierReplyWithTheSameSubject() {
        assertThat(references(message(1, "a", 1).subject("Re: news"), message(2, "b", 2).subject("news")))
                .isEqualTo("(2 1)");
    }

    @Test
    void aThreadUnderADummyRootAdoptsSameSubjectRoots() {
        assertThat(references(message(1, "a", 1).subject("topic").header("References", "<gone>"),
                message(2, "b", 2).subject("Re: topic").header("References", "<gone>"),
                message(3, "c", 3).subject("Re: topic")))
                .isEqualTo("((1)(2)(3))");
    }

    @Test
    void emptySubjectsAreNotGathered() {
        assertThat(references(msg(1).header("Message-ID", "<a>").sent(day(1)),
                msg(2).header("Message-ID", "<b>").sent(day(2))))
                .isEqualTo("(1)(2)");
    }

    @Test
    void siblingsAndThreadsAreOrderedBySentDateThenSequenceNumber() {
        assertThat(references(message(1, "a", 1),
                message(2, "b", 5).header("References", "<a>"),
                message(3, "c", 3).header("References", "<a>"),
                message(4, "d", 3).header("References", "<a>"),
                message(5, "e", 2)))
                .isEqualTo("(1 (3)(4)(2))(5)");
    }

    @Test
    void withoutADateTheArrivalTimeOrdersSiblings() {
        assertThat(references(message(1, "a", 1),
                msg(2).header("Message-ID", "<b>").header("References", "<a>").internalDate(day(9)),
                msg(3).header("Message-ID", "<c>").header("References", "<a>").internalDate(day(4))))
                .isEqualTo("(1 (3)(2))");
    }

    @Test
    void orderedSubjectGroupsByBaseSubjectUnderTheFirstMessage() {
        List<MessageView> messages = List.of(
                msg(1).subject("b").sent(day(2)),
                msg(2).subject("Re: a").sent(day(1)),
                msg(3).subject("A").sent(day(3)),
                msg(4).subject("[Fwd: b]").sent(day(4)),
                msg(5).subject("a").sent(day(5)),
                msg(6).subject("c").sent(day(6)));
        assertThat(Threader.render(Threader.thread(Threader.Algorithm.ORDEREDSUBJECT, messages, MessageView::msn)))
                .isEqualTo("(2 (3)(5))(1 4)(6)");
    }

    @Test
    void orderedSubjectBreaksDateTiesBySequenceNumber() {
        List<MessageView> messages = List.of(msg(2).subject("x").sent(day(1)), msg(1).subject("x").sent(day(1)));
        assertThat(Threader.render(Threader.orderedSubject(messages, MessageView::msn))).isEqualTo("(1 2)");
    }

    @Property
    void everyMessageAppearsExactlyOnce(@ForAll @IntRange(min = 0, max = 30) int count, @ForAll long seed,
            @ForAll boolean ordered) {
        Random random = new Random(seed);
        List<MessageView> messages = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            FakeMessage m = msg(i).sent(day(1 + random.nextInt(5)))
                    .subject(List.of("a", "Re: a", "b", "", "[x] b").get(random.nextInt(5)));
            if (random.nextInt(5) > 0) {
                m.header("Message-ID", "<id" + random.nextInt(count + 3) + ">");
            }
            StringBuilder refs = new StringBuilder();
            for (int r = random.nextInt(4); r > 0; r--) {
                refs.append("<id").append(random.nextInt(count + 3)).append("> ");
            }
            if (refs.length() > 0) {
                m.header(random.nextBoolean() ? "References" : "In-Reply-To", refs.toString());
            }
            messages.add(m);
        }
        Threader.Algorithm algorithm = ordered ? Threader.Algorithm.ORDEREDSUBJECT : Threader.Algorithm.REFERENCES;
        List<ThreadNode> threads = Threader.thread(algorithm, messages, MessageView::msn);
        List<Long> seen = new ArrayList<>();
        threads.forEach(t -> collect(t, seen, true));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(messages.stream().map(MessageView::msn).toList());
    }

    // Collects message numbers; a dummy may only be a root with at least two children.
    private static void collect(ThreadNode node, List<Long> out, boolean root) {
        if (node.dummy()) {
            assertThat(root).isTrue();
            assertThat(node.children()).hasSizeGreaterThanOrEqualTo(2);
        } else {
            out.add(node.number());
        }
        node.children().forEach(c -> collect(c, out, false));
    }
}
