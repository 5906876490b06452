package io.yubin.imap;

import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.List;

/**
 * An IMAP sequence-set as the client wrote it (RFC 9051 §9 {@code sequence-set}): ranges of message
 * sequence numbers or UIDs where {@code *} stands for the largest number in use, or {@code $}, the
 * saved search result (RFC 5182).
 *
 * @param ranges the ranges in the order written; a bound of {@link #STAR} is {@code *}
 * @param saved true for {@code $}; then {@code ranges} is empty
 */
public record SequenceSet(List<Range> ranges, boolean saved) {

    /** {@code *}: the largest number in use. */
    public static final long STAR = -1;

    public static final SequenceSet SAVED = new SequenceSet(List.of(), true);

    /** {@code from:to} as written; either bound may be {@link #STAR}; a single number has from == to. */
    public record Range(long from, long to) {
        public Range {
            if ((from < 1 && from != STAR) || (to < 1 && to != STAR)) {
                throw new IllegalArgumentException("sequence numbers start at 1");
            }
        }
    }

    public SequenceSet {
        ranges = List.copyOf(ranges);
        if (saved != ranges.isEmpty()) {
            throw new IllegalArgumentException("a sequence set is either $ or at least one range");
        }
    }

    /**
     * Parses {@code seq-number / seq-range} lists and {@code $}. Numbers are nz-number (1 to
     * 4294967295, RFC 9051 §9). IllegalArgumentException with a message fit for a BAD reply.
     */
    public static SequenceSet parse(String text) {
        if (text.equals("$")) {
            return SAVED;
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty sequence set");
        }
        List<Range> ranges = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            int colon = part.indexOf(':');
            if (colon < 0) {
                long n = number(part, text);
                ranges.add(new Range(n, n));
            } else {
                ranges.add(new Range(number(part.substring(0, colon), text), number(part.substring(colon + 1), text)));
            }
        }
        return new SequenceSet(ranges, false);
    }

    private static long number(String s, String whole) {
        if (s.equals("*")) {
            return STAR;
        }
        if (s.isEmpty() || s.length() > 10 || s.charAt(0) == '0') {
            throw new IllegalArgumentException("invalid sequence set: " + whole);
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("invalid sequence set: " + whole);
            }
            n = n * 10 + (c - '0');
        }
        if (n > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("sequence number out of range: " + whole);
        }
        return n;
    }

    /**
     * The numbers this set names when {@code largest} is the largest number in use (the message
     * count for sequence numbers, the highest UID for UIDs; 0 for an empty mailbox). {@code *} is
     * {@code largest}, and {@code n:m} means the same as {@code m:n} (RFC 9051 §9). Numbers above
     * {@code largest} stay in the set; callers match them against what exists. Not for {@code $}.
     */
    public UidSet resolve(long largest) {
        if (saved) {
            throw new IllegalStateException("$ is resolved from the saved search result");
        }
        List<UidSet.Range> out = new ArrayList<>();
        for (Range r : ranges) {
            long a = r.from() == STAR ? largest : r.from();
            long b = r.to() == STAR ? largest : r.to();
            if (a < 1 || b < 1) {
                continue;
            }
            out.add(new UidSet.Range(Math.min(a, b), Math.max(a, b)));
        }
        return UidSet.of(out);
    }

    /** True when the set uses {@code *}. */
    public boolean usesStar() {
        return ranges.stream().anyMatch(r -> r.from() == STAR || r.to() == STAR);
    }
}
