package io.yubin.imap.search;

import io.yubin.imap.mime.AddressFieldParser;
import io.yubin.imap.mime.EnvelopeAddress;

import io.yubin.store.UidSet;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Evaluates a SEARCH program against messages (RFC 9051 §6.4.4). Pure: everything it needs of a
 * message comes through {@link MessageView}, whose header and body methods may block, so evaluation
 * runs on a worker thread. Keys that cost nothing (flags, sizes, dates, sequence sets, MODSEQ) are
 * tried before keys that read header fields, and those before BODY/TEXT, so a body is read only for
 * messages that passed everything else.
 */
public final class SearchEvaluator {

    /** The header keys that name address fields, searched as ENVELOPE reads them too. */
    private static final Set<String> ADDRESS_FIELDS = Set.of("FROM", "TO", "CC", "BCC");

    private final long messageCount;
    private final long largestUid;
    private final UidSet savedUids;
    private final ZoneId serverZone;
    private final Map<SearchKey.Sequence, UidSet> resolved = new ConcurrentHashMap<>();
    private final Map<String, String> folded = new ConcurrentHashMap<>();

    /**
     * @param messageCount the number of messages in the session's view ({@code *} of a sequence set)
     * @param largestUid the highest UID in the mailbox, 0 when empty ({@code *} of a UID set)
     * @param savedUids the saved search result (RFC 5182 {@code $}), empty if none
     * @param serverZone the zone in which INTERNALDATE's date is taken for BEFORE/ON/SINCE
     */
    public SearchEvaluator(long messageCount, long largestUid, List<Long> savedUids, ZoneId serverZone) {
        this.messageCount = messageCount;
        this.largestUid = largestUid;
        this.savedUids = UidSet.ofUids(savedUids);
        this.serverZone = serverZone;
    }

    /** The messages that match, in message sequence number order. */
    public List<MessageView> search(SearchKey key, List<MessageView> messages) {
        SearchKey ordered = byCost(key);
        List<MessageView> out = new ArrayList<>();
        for (MessageView m : messages) {
            if (eval(ordered, m)) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparingLong(MessageView::msn));
        return out;
    }

    public boolean matches(SearchKey key, MessageView m) {
        return eval(byCost(key), m);
    }

    private boolean eval(SearchKey key, MessageView m) {
        if (key instanceof SearchKey.All) {
            return true;
        } else if (key instanceof SearchKey.And and) {
            for (SearchKey k : and.keys()) {
                if (!eval(k, m)) {
                    return false;
                }
            }
            return true;
        } else if (key instanceof SearchKey.Or or) {
            return eval(or.left(), m) || eval(or.right(), m);
        } else if (key instanceof SearchKey.Not not) {
            return !eval(not.key(), m);
        } else if (key instanceof SearchKey.Flag flag) {
            // RFC 9051 §2.3.2: flags and keywords are compared without regard to case.
            return m.flags().contains(flag.flag()) == flag.set();
        } else if (key instanceof SearchKey.Recent recent) {
            return m.recent() == recent.recent();
        } else if (key instanceof SearchKey.InternalDate d) {
            return compare(d.comparison(), LocalDate.ofInstant(m.internalDate(), serverZone), d.date());
        } else if (key instanceof SearchKey.SentDate d) {
            // RFC 9051 §6.4.4: the Date header's date, disregarding time and timezone; no valid Date, no match.
            Optional<LocalDate> sent = m.sentDate().map(z -> z.toLocalDate());
            return sent.isPresent() && compare(d.comparison(), sent.get(), d.date());
        } else if (key instanceof SearchKey.Size s) {
            return s.larger() ? m.size() > s.octets() : m.size() < s.octets();
        } else if (key instanceof SearchKey.Sequence s) {
            return inSequence(s, m);
        } else if (key instanceof SearchKey.ModSeq ms) {
            return m.modSeq() >= ms.modSeq();
        } else if (key instanceof SearchKey.Header h) {
            return header(h, m);
        } else if (key instanceof SearchKey.Body b) {
            return fold(m.bodyText()).contains(needle(b.text()));
        } else if (key instanceof SearchKey.Text t) {
            String n = needle(t.text());
            return fold(m.headerText()).contains(n) || fold(m.bodyText()).contains(n);
        }
        throw new IllegalArgumentException("unknown search key " + key);
    }

    private static boolean compare(SearchKey.DateComparison c, LocalDate actual, LocalDate wanted) {
        return switch (c) {
            case BEFORE -> actual.isBefore(wanted);
            case ON -> actual.isEqual(wanted);
            case SINCE -> !actual.isBefore(wanted);
        };
    }

    private boolean inSequence(SearchKey.Sequence s, MessageView m) {
        if (s.set().saved()) {
            // RFC 5182 §2.1: $ is the saved result, kept as UIDs, whichever way it is used.
            return savedUids.contains(m.uid());
        }
        UidSet set = resolved.computeIfAbsent(s, k -> k.set().resolve(k.uid() ? largestUid : messageCount));
        return set.contains(s.uid() ? m.uid() : m.msn());
    }

    private boolean header(SearchKey.Header h, MessageView m) {
        List<String> values = m.header(h.field());
        if (h.value().isEmpty()) {
            // RFC 9051 §6.4.4: HEADER with an empty string matches every message that has the field.
            return !values.isEmpty();
        }
        String n = needle(h.value());
        for (String v : values) {
            if (fold(v).contains(n)) {
                return true;
            }
        }
        if (ADDRESS_FIELDS.contains(h.field())) {
            // RFC 9051 §6.4.4: FROM, TO, CC and BCC search the envelope's addresses, so an address
            // written with comments or spaces inside, <user (x)@ (y) example.org>, is found as
            // user@example.org.
            for (String v : values) {
                for (EnvelopeAddress a : AddressFieldParser.parse(v)) {
                    if (a instanceof EnvelopeAddress.Mailbox mb && (fold(mb.addrSpec()).contains(n)
                            || (mb.name() != null && fold(mb.decodedName()).contains(n)))) {
                        return true;
                    }
                    if (a instanceof EnvelopeAddress.GroupStart g && g.name() != null && fold(g.name()).contains(n)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private String needle(String s) {
        return folded.computeIfAbsent(s, UnicodeCasemap::fold);
    }

    private static String fold(String s) {
        return UnicodeCasemap.fold(s);
    }

    /** The same program with the operands of every AND and OR in ascending cost order. */
    static SearchKey byCost(SearchKey key) {
        if (key instanceof SearchKey.And and) {
            List<SearchKey> keys = new ArrayList<>();
            for (SearchKey k : and.keys()) {
                keys.add(byCost(k));
            }
            keys.sort(Comparator.comparingInt(SearchEvaluator::cost));
            return new SearchKey.And(keys);
        } else if (key instanceof SearchKey.Or or) {
            SearchKey l = byCost(or.left());
            SearchKey r = byCost(or.right());
            return cost(r) < cost(l) ? new SearchKey.Or(r, l) : new SearchKey.Or(l, r);
        } else if (key instanceof SearchKey.Not not) {
            return new SearchKey.Not(byCost(not.key()));
        }
        return key;
    }

    /** 0: message metadata; 1: the Date header; 2: other header fields; 3: the header block or the body. */
    static int cost(SearchKey key) {
        if (key instanceof SearchKey.And and) {
            return and.keys().stream().mapToInt(SearchEvaluator::cost).max().orElse(0);
        } else if (key instanceof SearchKey.Or or) {
            return Math.max(cost(or.left()), cost(or.right()));
        } else if (key instanceof SearchKey.Not not) {
            return cost(not.key());
        } else if (key instanceof SearchKey.SentDate) {
            return 1;
        } else if (key instanceof SearchKey.Header) {
            return 2;
        } else if (key instanceof SearchKey.Body || key instanceof SearchKey.Text) {
            return 3;
        }
        return 0;
    }
}
