package io.yubin.imap.search;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * RFC 5256 SORT (with RFC 5957 DISPLAYFROM/DISPLAYTO). Strings are compared under
 * i;unicode-casemap (RFC 5051), the default collation; equal keys fall through to the next
 * criterion, and messages equal under all of them stay in sequence number order (RFC 5256 §3).
 */
public final class Sorter {

    private Sorter() {
    }

    /** The messages in the order the criteria give; a permutation of {@code messages}. */
    public static List<MessageView> sort(List<SortKey> keys, List<MessageView> messages) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("SORT needs at least one criterion");
        }
        List<Row> rows = new ArrayList<>(messages.size());
        for (MessageView m : messages) {
            Object[] values = new Object[keys.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = value(keys.get(i).criterion(), m);
            }
            rows.add(new Row(m, values));
        }
        Comparator<Row> order = null;
        for (int i = 0; i < keys.size(); i++) {
            int index = i;
            Comparator<Row> c = (a, b) -> compareValues(a.values[index], b.values[index]);
            if (keys.get(i).reverse()) {
                c = c.reversed();
            }
            order = order == null ? c : order.thenComparing(c);
        }
        // RFC 5256 §3: ties under every criterion are broken by sequence number, never reversed.
        order = order.thenComparingLong(r -> r.message.msn());
        rows.sort(order);
        return rows.stream().map(Row::message).toList();
    }

    /** RFC 5256 §2.1 base subject of a decoded Subject value, e.g. "Re: [list] Fwd: hello (fwd)" gives "hello". */
    public static String baseSubject(String decodedSubject) {
        return BaseSubject.extract(decodedSubject).base();
    }

    /** RFC 5256 §3 sent date: the Date header in UTC, or INTERNALDATE when there is no valid Date. */
    static Instant sentDate(MessageView m) {
        return m.sentDate().map(ZonedDateTime::toInstant).orElseGet(m::internalDate);
    }

    private record Row(MessageView message, Object[] values) {
    }

    private static Object value(SortCriterion c, MessageView m) {
        return switch (c) {
            case ARRIVAL -> m.internalDate();
            case DATE -> sentDate(m);
            case SIZE -> m.size();
            case SUBJECT -> UnicodeCasemap.key(baseSubject(first(m, "Subject")));
            case FROM -> UnicodeCasemap.key(mailboxName(m, "From"));
            case TO -> UnicodeCasemap.key(mailboxName(m, "To"));
            case CC -> UnicodeCasemap.key(mailboxName(m, "Cc"));
            case DISPLAYFROM -> UnicodeCasemap.key(displayName(m, "From"));
            case DISPLAYTO -> UnicodeCasemap.key(displayName(m, "To"));
        };
    }

    @SuppressWarnings("unchecked")
    private static int compareValues(Object a, Object b) {
        if (a instanceof String sa) {
            return UnicodeCasemap.CODE_POINT_ORDER.compare(sa, (String) b);
        }
        return ((Comparable<Object>) a).compareTo(b);
    }

    private static String first(MessageView m, String field) {
        List<String> values = m.header(field);
        return values.isEmpty() ? "" : values.get(0);
    }

    // RFC 5256 §3: FROM/TO/CC sort on the addr-mailbox (local part) of the first address; none is "".
    private static String mailboxName(MessageView m, String field) {
        return m.firstMailbox(field).map(mb -> mb.localPart() == null ? "" : mb.localPart()).orElse("");
    }

    // RFC 5957 §3: the display-name of the first address (decoded; a comment name counts, as in
    // ENVELOPE), or its addr-spec when it has none.
    private static String displayName(MessageView m, String field) {
        return m.firstMailbox(field).map(mb -> {
            String name = mb.decodedName();
            return name != null && !name.isEmpty() ? name : mb.addrSpec();
        }).orElse("");
    }
}
