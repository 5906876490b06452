package io.yubin.imap.search;

import java.text.Normalizer;
import java.util.Comparator;
import java.util.Locale;

/** Case-insensitive comparison of decoded text, for SEARCH substring matches and for SORT/THREAD. */
final class UnicodeCasemap {

    /** Code point order, which is the order of the UTF-8 octets RFC 4790 collations compare. */
    static final Comparator<String> CODE_POINT_ORDER = UnicodeCasemap::compareCodePoints;

    private UnicodeCasemap() {
    }

    /**
     * RFC 5051 §2: i;unicode-casemap maps each character to its titlecase form, then decomposes the
     * result (NFKD). Two strings are equal under the collation when their keys are equal.
     */
    static String key(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> sb.appendCodePoint(Character.toTitleCase(cp)));
        return Normalizer.normalize(sb, Normalizer.Form.NFKD);
    }

    /**
     * Folding for SEARCH substring matches (RFC 9051 §6.4.4 "case-insensitive"): upper then lower
     * case, so that e.g. "ß" and "SS" or "Σ" and "ς" meet, then NFC so that composed and decomposed
     * spellings meet.
     */
    static String fold(String s) {
        return Normalizer.normalize(s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT), Normalizer.Form.NFC);
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }
}
