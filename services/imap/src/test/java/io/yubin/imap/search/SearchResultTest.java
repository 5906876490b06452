package io.yubin.imap.search;

import static io.yubin.imap.search.FakeMessage.msg;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.imap.SequenceSet;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SearchResultTest {

    @Test
    void rendersRunsAsRangesInAscendingOrder() {
        assertThat(SearchResult.renderSequence(List.of(9L, 1L, 2L, 3L, 5L, 7L, 8L))).isEqualTo("1:3,5,7:9");
    }

    @Test
    void rendersNothingForNoNumbersAndIgnoresDuplicates() {
        assertThat(SearchResult.renderSequence(List.of())).isEmpty();
        assertThat(SearchResult.renderSequence(List.of(4L, 4L, 5L))).isEqualTo("4:5");
        assertThat(SearchResult.renderSequence(List.of(4294967295L))).isEqualTo("4294967295");
    }

    @Test
    void minMaxCountAndModSeqOfTheMatches() {
        SearchResult r = SearchResult.of(List.of(msg(2).uid(20).modSeq(5), msg(7).uid(70).modSeq(9),
                msg(3).uid(30).modSeq(1)), MessageView::uid);
        assertThat(r.numbers()).containsExactly(20L, 30L, 70L);
        assertThat(r.min()).hasValue(20);
        assertThat(r.max()).hasValue(70);
        assertThat(r.count()).isEqualTo(3);
        assertThat(r.highestModSeq()).isEqualTo(9);
        assertThat(r.all()).isEqualTo("20,30,70");
    }

    @Test
    void noMatchesHaveNoMinOrMax() {
        SearchResult r = SearchResult.of(List.of(), MessageView::msn);
        assertThat(r.min()).isEmpty();
        assertThat(r.max()).isEmpty();
        assertThat(r.count()).isZero();
        assertThat(r.highestModSeq()).isZero();
        assertThat(r.all()).isEmpty();
    }

    @Property
    void renderedSequenceParsesBackToTheSameSet(
            @ForAll @Size(min = 1, max = 60) List<@LongRange(min = 1, max = 200) Long> numbers) {
        String text = SearchResult.renderSequence(numbers);
        UidSet parsed = SequenceSet.parse(text).resolve(0);
        Set<Long> back = new TreeSet<>();
        for (UidSet.Range r : parsed.ranges()) {
            for (long n = r.first(); n <= r.last(); n++) {
                back.add(n);
            }
        }
        assertThat(back).isEqualTo(new TreeSet<>(numbers));
        // compact: as many ranges as there are runs, written in ascending order
        assertThat(SequenceSet.parse(text).ranges()).hasSize(parsed.ranges().size());
        List<Long> firsts = new ArrayList<>();
        SequenceSet.parse(text).ranges().forEach(r -> firsts.add(r.from()));
        assertThat(firsts).isSorted();
    }
}
