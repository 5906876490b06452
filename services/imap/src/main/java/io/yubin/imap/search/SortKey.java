package io.yubin.imap.search;

/** One SORT criterion, optionally preceded by REVERSE (RFC 5256 §3). */
public record SortKey(SortCriterion criterion, boolean reverse) {

    public static SortKey of(SortCriterion criterion) {
        return new SortKey(criterion, false);
    }

    public static SortKey reversed(SortCriterion criterion) {
        return new SortKey(criterion, true);
    }
}
