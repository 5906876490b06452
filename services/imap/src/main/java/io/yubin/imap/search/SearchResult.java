package io.yubin.imap.search;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * The outcome of a SEARCH as the replies need it (RFC 9051 §7.3.4 SEARCH/ESEARCH, RFC 4731 MIN, MAX,
 * COUNT, ALL; RFC 7162 §3.1.5 the MODSEQ of the matches).
 *
 * @param numbers the matching message sequence numbers or UIDs, ascending, without duplicates
 * @param highestModSeq the highest MODSEQ among the matches, 0 when there are none
 */
public record SearchResult(List<Long> numbers, long highestModSeq) {

    public SearchResult {
        numbers = List.copyOf(new TreeSet<>(numbers));
    }

    /** The result for these matches, numbered by msn or by UID as {@code number} says. */
    public static SearchResult of(List<MessageView> matches, ToLongFunction<MessageView> number) {
        List<Long> numbers = new ArrayList<>(matches.size());
        long modSeq = 0;
        for (MessageView m : matches) {
            numbers.add(number.applyAsLong(m));
            modSeq = Math.max(modSeq, m.modSeq());
        }
        return new SearchResult(numbers, modSeq);
    }

    /** RFC 4731 §3.1: MIN and MAX are left out of the reply when nothing matched. */
    public OptionalLong min() {
        return numbers.isEmpty() ? OptionalLong.empty() : OptionalLong.of(numbers.get(0));
    }

    public OptionalLong max() {
        return numbers.isEmpty() ? OptionalLong.empty() : OptionalLong.of(numbers.get(numbers.size() - 1));
    }

    public long count() {
        return numbers.size();
    }

    /** The ALL return data: {@link #renderSequence} of the numbers; empty when nothing matched. */
    public String all() {
        return renderSequence(numbers);
    }

    /**
     * The numbers as a compact sequence-set, ascending with runs merged: {@code 1:3,5,7:9}
     * (RFC 4731 §3.1 ALL). Duplicates are ignored; empty for no numbers.
     */
    public static String renderSequence(List<Long> numbers) {
        StringBuilder sb = new StringBuilder();
        long start = -1;
        long prev = -1;
        for (long n : new TreeSet<>(numbers)) {
            if (start >= 0 && n == prev + 1) {
                prev = n;
                continue;
            }
            appendRun(sb, start, prev);
            start = n;
            prev = n;
        }
        appendRun(sb, start, prev);
        return sb.toString();
    }

    private static void appendRun(StringBuilder sb, long start, long end) {
        if (start < 0) {
            return;
        }
        if (sb.length() > 0) {
            sb.append(',');
        }
        sb.append(start);
        if (end != start) {
            sb.append(':').append(end);
        }
    }
}
