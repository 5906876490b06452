package io.yubin.imap.search;

import io.yubin.model.Flags;
import io.yubin.store.UidSet;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;

/**
 * Evaluates a SEARCH program against messages (RFC 9051 §6.4.4). String keys match substrings
 * case-insensitively on decoded text; dates compare calendar days (INTERNALDATE in the server's
 * zone, the Date header in its own). Cheap keys are tried before ones that read the message.
 */
public final class SearchEvaluator {

    private final long messageCount;
    private final long largestUid;
    private final List<Long> savedUids;
    private final ZoneId zone;

    public SearchEvaluator(long messageCount, long largestUid, List<Long> savedUids, ZoneId zone) {
        this.messageCount = messageCount;
        this.largestUid = largestUid;
        this.savedUids = List.copyOf(savedUids);
        this.zone = zone;
    }

    public boolean matches(SearchKey key, MessageView m) {
        if (key instanceof SearchKey.All) {
            return true;
        }
        if (key instanceof SearchKey.And and) {
            for (SearchKey k : byCost(and.keys())) {
                if (!matches(k, m)) {
                    return false;
                }
            }
            return true;
        }
        if (key instanceof SearchKey.Or or) {
            boolean leftFirst = cost(or.left()) <= cost(or.right());
            SearchKey first = leftFirst ? or.left() : or.right();
            SearchKey second = leftFirst ? or.right() : or.left();
            return matches(first, m) || matches(second, m);
        }
        if (key instanceof SearchKey.Not not) {
            return !matches(not.key(), m);
        }
        if (key instanceof SearchKey.Flag flag) {
            return has(m.flags(), flag.flag()) == flag.set();
        }
        if (key instanceof SearchKey.Recent recent) {
            return m.recent() == recent.recent();
        }
        if (key instanceof SearchKey.InternalDate d) {
            return compare(m.internalDate().atZone(zone).toLocalDate(), d.comparison(), d.date());
        }
        if (key instanceof SearchKey.SentDate d) {
            return m.sentDate().map(z -> compare(z.toLocalDate(), d.comparison(), d.date())).orElse(false);
        }
        if (key instanceof SearchKey.Size s) {
            return s.larger() ? m.size() > s.octets() : m.size() < s.octets();
        }
        if (key instanceof SearchKey.ModSeq ms) {
            return m.modSeq() >= ms.modSeq();
        }
        if (key instanceof SearchKey.Sequence seq) {
            if (seq.set().saved()) {
                return savedUids.contains(m.uid());
            }
            UidSet set = seq.set().resolve(seq.uid() ? largestUid : messageCount);
            return set.contains(seq.uid() ? m.uid() : m.msn());
        }
        if (key instanceof SearchKey.Header h) {
            List<String> values = m.header(h.field());
            if (values.isEmpty()) {
                return false;
            }
            String needle = fold(h.value());
            for (String v : values) {
                if (fold(v).contains(needle)) {
                    return true;
                }
            }
            return false;
        }
        if (key instanceof SearchKey.Body b) {
            return fold(m.bodyText()).contains(fold(b.text()));
        }
        if (key instanceof SearchKey.Text t) {
            String needle = fold(t.text());
            return fold(m.headerText()).contains(needle) || fold(m.bodyText()).contains(needle);
        }
        throw new IllegalArgumentException("unknown search key " + key);
    }

    private static List<SearchKey> byCost(List<SearchKey> keys) {
        return keys.stream().sorted(java.util.Comparator.comparingInt(SearchEvaluator::cost)).toList();
    }

    /** 0: metadata only; 1: reads the header; 2: reads the body. */
    static int cost(SearchKey key) {
        if (key instanceof SearchKey.Body || key instanceof SearchKey.Text) {
            return 2;
        }
        if (key instanceof SearchKey.Header || key instanceof SearchKey.SentDate) {
            return 1;
        }
        if (key instanceof SearchKey.Not not) {
            return cost(not.key());
        }
        if (key instanceof SearchKey.Or or) {
            return Math.max(cost(or.left()), cost(or.right()));
        }
        if (key instanceof SearchKey.And and) {
            return and.keys().stream().mapToInt(SearchEvaluator::cost).max().orElse(0);
        }
        return 0;
    }

    private static boolean has(Flags flags, String flag) {
        for (String f : flags.toStrings()) {
            if (f.equalsIgnoreCase(flag)) {
                return true;
            }
        }
        return false;
    }

    private static boolean compare(LocalDate value, SearchKey.DateComparison comparison, LocalDate date) {
        switch (comparison) {
            case BEFORE:
                return value.isBefore(date);
            case ON:
                return value.isEqual(date);
            default:
                return !value.isBefore(date);
        }
    }

    /** Case folding for substring matches, Unicode-aware. */
    static String fold(String s) {
        return s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }
}
