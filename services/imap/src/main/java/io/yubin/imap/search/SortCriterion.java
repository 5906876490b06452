package io.yubin.imap.search;

/** SORT criteria (RFC 5256 §3, DISPLAYFROM and DISPLAYTO from RFC 5957 §3); REVERSE is {@link SortKey#reverse()}. */
public enum SortCriterion {
    ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM, DISPLAYTO
}
