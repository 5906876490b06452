package io.yubin.imap.search;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;

/** RFC 5256 SORT (and RFC 5957 DISPLAYFROM / DISPLAYTO) over message views. */
public final class Sorter {

    public enum Criterion { ARRIVAL, CC, DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM, DISPLAYTO }

    public record SortKey(Criterion criterion, boolean reverse) {
    }

    private static final Pattern LEADER = Pattern.compile("^(?:(?:re|fwd?)\\s*(?:\\[[^\\[\\]]*\\])?\\s*:|\\[[^\\[\\]]*\\])\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TRAILER = Pattern.compile("\\s*\\(fwd\\)\\s*$", Pattern.CASE_INSENSITIVE);

    private Sorter() {
    }

    /** Sorted by the keys, ties by sequence number (RFC 5256 §3). */
    public static List<MessageView> sort(List<SortKey> keys, List<MessageView> messages) {
        Comparator<MessageView> order = null;
        for (SortKey key : keys) {
            Comparator<MessageView> c = comparator(key.criterion());
            if (key.reverse()) {
                c = c.reversed();
            }
            order = order == null ? c : order.thenComparing(c);
        }
        Comparator<MessageView> bySequence = Comparator.comparingLong(MessageView::msn);
        order = order == null ? bySequence : order.thenComparing(bySequence);
        List<MessageView> out = new ArrayList<>(messages);
        out.sort(order);
        return out;
    }

    private static Comparator<MessageView> comparator(Criterion criterion) {
        switch (criterion) {
            case ARRIVAL:
                return Comparator.comparing(MessageView::internalDate);
            case SIZE:
                return Comparator.comparingLong(MessageView::size);
            case DATE:
                return Comparator.comparing(Sorter::sentOrArrival);
            case SUBJECT:
                return Comparator.comparing(m -> fold(baseSubject(first(m, "Subject"))));
            case FROM:
                return Comparator.comparing(m -> fold(mailbox(first(m, "From"))));
            case TO:
                return Comparator.comparing(m -> fold(mailbox(first(m, "To"))));
            case CC:
                return Comparator.comparing(m -> fold(mailbox(first(m, "Cc"))));
            case DISPLAYFROM:
                return Comparator.comparing(m -> fold(display(first(m, "From"))));
            default:
                return Comparator.comparing(m -> fold(display(first(m, "To"))));
        }
    }

    /** RFC 5256 §3 DATE: the sent date, or INTERNALDATE when there is no valid Date header. */
    static Instant sentOrArrival(MessageView m) {
        return m.sentDate().map(z -> z.toInstant()).orElse(m.internalDate());
    }

    private static String first(MessageView m, String header) {
        List<String> values = m.header(header);
        return values.isEmpty() ? "" : values.get(0);
    }

    /** RFC 5256 §2.1 base subject: without reply/forward leaders, "(fwd)" trailers and [Fwd: ...] wrappers. */
    public static String baseSubject(String subject) {
        String s = subject.replaceAll("[\\t\\r\\n ]+", " ").trim();
        while (true) {
            String before = s;
            s = TRAILER.matcher(s).replaceAll("").trim();
            String previous;
            do {
                previous = s;
                String stripped = LEADER.matcher(s).replaceFirst("");
                // A [blob] leader is removed only when something is left after it.
                if (!stripped.isEmpty() || !s.startsWith("[")) {
                    s = stripped;
                }
            } while (!s.equals(previous));
            if (s.regionMatches(true, 0, "[fwd:", 0, 5) && s.endsWith("]")) {
                s = s.substring(5, s.length() - 1).trim();
            }
            if (s.equals(before)) {
                return s;
            }
        }
    }

    /** The local part of the first mailbox (RFC 5256 §3 FROM/TO/CC), empty when none. */
    static String mailbox(String header) {
        Mailbox m = firstMailbox(header);
        return m == null ? "" : m.getLocalPart();
    }

    /** RFC 5957: the display name, or the address when there is none. */
    static String display(String header) {
        Mailbox m = firstMailbox(header);
        if (m == null) {
            return "";
        }
        return m.getName() != null && !m.getName().isBlank() ? m.getName() : m.getAddress();
    }

    private static Mailbox firstMailbox(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            AddressList list = LenientAddressParser.DEFAULT.parseAddressList(header);
            for (Address a : list) {
                if (a instanceof Mailbox m) {
                    return m;
                }
                if (a instanceof Group g && !g.getMailboxes().isEmpty()) {
                    return g.getMailboxes().get(0);
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }

    /** i;unicode-casemap-like folding for comparisons. */
    static String fold(String s) {
        return s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }

    /**
     * RFC 5256 §4 THREAD=ORDEREDSUBJECT: messages grouped by base subject, each group sorted by sent
     * date, groups by their first message's date; the first message of a group is the parent of the
     * others. Returns the IMAP rendering, numbers from {@code number}.
     */
    public static String orderedSubjectThreads(List<MessageView> messages,
            java.util.function.ToLongFunction<MessageView> number) {
        java.util.Map<String, List<MessageView>> groups = new java.util.LinkedHashMap<>();
        Comparator<MessageView> byDate = Comparator.comparing(Sorter::sentOrArrival)
                .thenComparingLong(MessageView::msn);
        for (MessageView m : sort(List.of(new SortKey(Criterion.SUBJECT, false), new SortKey(Criterion.DATE, false)),
                messages)) {
            groups.computeIfAbsent(fold(baseSubject(first(m, "Subject"))), k -> new ArrayList<>()).add(m);
        }
        List<List<MessageView>> threads = new ArrayList<>(groups.values());
        for (List<MessageView> t : threads) {
            t.sort(byDate);
        }
        threads.sort(Comparator.comparing(t -> t.get(0), byDate));
        StringBuilder out = new StringBuilder();
        for (List<MessageView> t : threads) {
            out.append('(').append(number.applyAsLong(t.get(0)));
            if (t.size() == 2) {
                out.append(' ').append(number.applyAsLong(t.get(1)));
            } else if (t.size() > 2) {
                out.append(' ');
                for (int i = 1; i < t.size(); i++) {
                    out.append('(').append(number.applyAsLong(t.get(i))).append(')');
                }
            }
            out.append(')');
        }
        return out.toString();
    }
}
