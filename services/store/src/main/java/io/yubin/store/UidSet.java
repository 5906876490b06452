package io.yubin.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A set of UIDs as sorted, non-overlapping, non-adjacent closed ranges. {@code Long.MAX_VALUE} as
 * an upper bound means "to the end" (IMAP {@code *}).
 */
public final class UidSet {

    public static final UidSet ALL = of(new Range(1, Long.MAX_VALUE));

    /** A closed range of UIDs, {@code 1 <= first <= last}. */
    public record Range(long first, long last) {
        public Range {
            if (first < 1 || last < first) {
                throw new IllegalArgumentException("bad UID range " + first + ":" + last);
            }
        }

        public boolean contains(long uid) {
            return uid >= first && uid <= last;
        }
    }

    private final List<Range> ranges;

    private UidSet(List<Range> ranges) {
        this.ranges = ranges;
    }

    /** Normalizes any ranges: sorts, merges overlapping and adjacent ones. */
    public static UidSet of(Range... ranges) {
        return of(List.of(ranges));
    }

    public static UidSet of(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::first));
        List<Range> merged = new ArrayList<>();
        for (Range r : sorted) {
            if (!merged.isEmpty()) {
                Range last = merged.get(merged.size() - 1);
                if (last.last() == Long.MAX_VALUE || r.first() <= last.last() + 1) {
                    merged.set(merged.size() - 1, new Range(last.first(), Math.max(last.last(), r.last())));
                    continue;
                }
            }
            merged.add(r);
        }
        return new UidSet(List.copyOf(merged));
    }

    public static UidSet single(long uid) {
        return of(new Range(uid, uid));
    }

    /** The set holding exactly these UIDs. */
    public static UidSet ofUids(java.util.Collection<Long> uids) {
        return of(uids.stream().map(u -> new Range(u, u)).toList());
    }

    public List<Range> ranges() {
        return ranges;
    }

    public boolean contains(long uid) {
        for (Range r : ranges) {
            if (r.contains(uid)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UidSet u && ranges.equals(u.ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    /** IMAP sequence-set syntax, e.g. {@code 1:3,7,9:*}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Range r : ranges) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(r.first());
            if (r.last() != r.first()) {
                sb.append(':').append(r.last() == Long.MAX_VALUE ? "*" : String.valueOf(r.last()));
            }
        }
        return sb.toString();
    }
}
