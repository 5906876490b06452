package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Atom;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Str;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.imap.search.SearchEvaluator;
import io.yubin.imap.search.SearchKey;
import io.yubin.imap.search.SearchResult;
import io.yubin.imap.search.SortCriterion;
import io.yubin.imap.search.SortKey;
import io.yubin.imap.search.Threader;
import io.yubin.store.MessageRecord;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SEARCH with ESEARCH and SEARCHRES (RFC 9051 §6.4.4, RFC 4731, RFC 5182), SORT and THREAD (RFC
 * 5256), and the search program they share.
 */
final class SearchCommand {

    /** RFC 9051 §9 date: a day of one or two digits, the month's name in any case. */
    private static final DateTimeFormatter SEARCH_DATE = new DateTimeFormatterBuilder().parseCaseInsensitive()
            .appendPattern("d-MMM-yyyy").toFormatter(Locale.ENGLISH);
    private static final Pattern SEQUENCE = Pattern.compile("[0-9*:,$]+");
    /** ESEARCH's result options (RFC 4731) and SEARCHRES's SAVE (RFC 5182). */
    private static final Set<String> RETURN_OPTIONS = Set.of("MIN", "MAX", "ALL", "COUNT", "SAVE");

    private SearchCommand() {
    }

    static Future<Void> search(ImapSession session, Request r, List<Token> a, boolean uid) {
        SelectedMailbox s = session.selected;
        int i = 0;
        List<String> returns = null;
        if (i < a.size() && a.get(i) instanceof Atom ret && ret.value().equalsIgnoreCase("RETURN")) {
            if (i + 1 >= a.size() || !(a.get(i + 1) instanceof ListToken opts)) {
                throw new ImapParseException("RETURN takes a list");
            }
            returns = new ArrayList<>();
            for (Token t : opts.items()) {
                String option = ImapSession.astring(t).toUpperCase(Locale.ROOT);
                if (!RETURN_OPTIONS.contains(option)) {
                    // RFC 4731 §3.1: the server answers BAD to a result option it does not know.
                    throw new ImapParseException("Unknown SEARCH return option " + option);
                }
                returns.add(option);
            }
            if (returns.isEmpty()) {
                returns.add("ALL");
            }
            i += 2;
        }
        if (i < a.size() && a.get(i) instanceof Atom cs && cs.value().equalsIgnoreCase("CHARSET")) {
            if (i + 1 >= a.size()) {
                throw new ImapParseException("CHARSET takes a name");
            }
            String charset = ImapSession.astring(a.get(i + 1));
            if (!charset.equalsIgnoreCase("UTF-8") && !charset.equalsIgnoreCase("US-ASCII")) {
                throw new No("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
            }
            i += 2;
        }
        if (i >= a.size()) {
            throw new ImapParseException("SEARCH needs at least one key");
        }
        List<SearchKey> keys = new ArrayList<>();
        int[] pos = {i};
        while (pos[0] < a.size()) {
            keys.add(searchKey(session, a, pos, 0));
        }
        SearchKey program = keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
        // RFC 9051 §6.4.4: IMAP4rev2 answers SEARCH with ESEARCH, no result option meaning ALL.
        List<String> ret = returns == null && session.rev2 ? List.of("ALL") : returns;
        boolean usesModSeq = program.toString().contains("ModSeq[");
        SearchEvaluator evaluator = new SearchEvaluator(s.count(), s.maxUid(), session.savedResult, ZoneId.systemDefault());
        return session.searcher.search(s, program, evaluator).compose(found -> {
            List<Long> uids = found.stream().map(MessageRecord::uid).toList();
            List<Long> numbers = new ArrayList<>();
            for (MessageRecord m : found) {
                numbers.add(uid ? m.uid() : s.msn(m.uid()));
            }
            long maxModSeq = found.stream().mapToLong(MessageRecord::modSeq).max().orElse(0);
            if (ret == null) {
                StringBuilder out = new StringBuilder("* SEARCH");
                for (long n : numbers) {
                    out.append(' ').append(n);
                }
                if (usesModSeq && !numbers.isEmpty()) {
                    out.append(" (MODSEQ ").append(maxModSeq).append(')');
                }
                session.client.write(out.append("\r\n").toString());
            } else {
                if (ret.contains("SAVE")) {
                    session.savedResult = uids;
                }
                StringBuilder out = new StringBuilder("* ESEARCH (TAG ").append(ImapSession.quoted(r.tag())).append(')');
                if (uid) {
                    out.append(" UID");
                }
                if (!numbers.isEmpty()) {
                    if (ret.contains("MIN")) {
                        out.append(" MIN ").append(numbers.get(0));
                    }
                    if (ret.contains("MAX")) {
                        out.append(" MAX ").append(numbers.get(numbers.size() - 1));
                    }
                    if (ret.contains("ALL")) {
                        out.append(" ALL ").append(SearchResult.renderSequence(numbers));
                    }
                }
                if (ret.contains("COUNT")) {
                    out.append(" COUNT ").append(numbers.size());
                }
                if (usesModSeq && !numbers.isEmpty()) {
                    // RFC 4731 §3.2: with MIN and/or MAX but neither ALL nor COUNT, the highest mod-sequence
                    // of the message(s) those return; else of all found.
                    long modSeq = maxModSeq;
                    if ((ret.contains("MIN") || ret.contains("MAX")) && !ret.contains("ALL") && !ret.contains("COUNT")) {
                        modSeq = Math.max(ret.contains("MIN") ? found.get(0).modSeq() : 0,
                                ret.contains("MAX") ? found.get(found.size() - 1).modSeq() : 0);
                    }
                    out.append(" MODSEQ ").append(modSeq);
                }
                if (!(ret.size() == 1 && ret.contains("SAVE"))) {
                    session.client.write(out.append("\r\n").toString());
                }
            }
            return session.ok(r, "SEARCH completed");
        });
    }

    /** RFC 5256: SORT (criteria) charset search-keys. */
    static Future<Void> sort(ImapSession session, Request r, List<Token> a, boolean uid) {
        if (a.size() < 3 || !(a.get(0) instanceof ListToken criteria) || criteria.items().isEmpty()) {
            throw new ImapParseException("SORT takes (criteria), a charset and search keys");
        }
        List<SortKey> keys = new ArrayList<>();
        boolean reverse = false;
        for (Token t : criteria.items()) {
            String c = ImapSession.astring(t).toUpperCase(Locale.ROOT);
            if (c.equals("REVERSE")) {
                reverse = true;
                continue;
            }
            try {
                keys.add(new SortKey(SortCriterion.valueOf(c), reverse));
            } catch (IllegalArgumentException e) {
                throw new ImapParseException("Unknown sort criterion " + c);
            }
            reverse = false;
        }
        if (reverse) {
            throw new ImapParseException("REVERSE must precede a criterion");
        }
        SearchKey program = program(session, a, 1);
        SelectedMailbox s = session.selected;
        SearchEvaluator evaluator = new SearchEvaluator(s.count(), s.maxUid(), session.savedResult, ZoneId.systemDefault());
        return session.searcher.sort(s, program, evaluator, keys).compose(sorted -> {
            StringBuilder out = new StringBuilder("* SORT");
            for (MessageRecord m : sorted) {
                out.append(' ').append(uid ? m.uid() : s.msn(m.uid()));
            }
            session.client.write(out.append("\r\n").toString());
            return session.ok(r, "SORT completed");
        });
    }

    /** RFC 5256: THREAD algorithm charset search-keys. */
    static Future<Void> thread(ImapSession session, Request r, List<Token> a, boolean uid) {
        if (a.size() < 3) {
            throw new ImapParseException("THREAD takes an algorithm, a charset and search keys");
        }
        Threader.Algorithm algorithm;
        try {
            algorithm = Threader.Algorithm.valueOf(ImapSession.astring(a.get(0)).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ImapParseException("Unsupported threading algorithm " + ImapSession.astring(a.get(0)));
        }
        SearchKey program = program(session, a, 1);
        SelectedMailbox s = session.selected;
        SearchEvaluator evaluator = new SearchEvaluator(s.count(), s.maxUid(), session.savedResult, ZoneId.systemDefault());
        return session.searcher.threads(s, program, evaluator, algorithm, uid).compose(threads -> {
            session.client.write("* THREAD" + (threads.isEmpty() ? "" : " " + threads) + "\r\n");
            return session.ok(r, "THREAD completed");
        });
    }

    /** A charset (UTF-8 or US-ASCII) at {@code from}, then search keys to the end. */
    private static SearchKey program(ImapSession session, List<Token> a, int from) {
        String charset = ImapSession.astring(a.get(from));
        if (!charset.equalsIgnoreCase("UTF-8") && !charset.equalsIgnoreCase("US-ASCII")) {
            throw new No("[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
        }
        List<SearchKey> keys = new ArrayList<>();
        int[] pos = {from + 1};
        while (pos[0] < a.size()) {
            keys.add(searchKey(session, a, pos, 0));
        }
        return keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
    }

    private static SearchKey searchKey(ImapSession session, List<Token> a, int[] pos, int depth) {
        if (depth > session.options.limits().maxNesting()) {
            throw new ImapParseException("Search program too deeply nested");
        }
        if (pos[0] >= a.size()) {
            // NOT or OR at the end of the program.
            throw new ImapParseException("Search program ends where a search key is needed");
        }
        Token t = a.get(pos[0]++);
        if (t instanceof ListToken list) {
            List<SearchKey> keys = new ArrayList<>();
            int[] inner = {0};
            while (inner[0] < list.items().size()) {
                keys.add(searchKey(session, list.items(), inner, depth + 1));
            }
            if (keys.isEmpty()) {
                throw new ImapParseException("Empty search list");
            }
            return keys.size() == 1 ? keys.get(0) : new SearchKey.And(keys);
        }
        String word = ImapSession.astring(t);
        String k = word.toUpperCase(Locale.ROOT);
        switch (k) {
            case "ALL": return new SearchKey.All();
            case "ANSWERED": return new SearchKey.Flag("\\Answered", true);
            case "DELETED": return new SearchKey.Flag("\\Deleted", true);
            case "DRAFT": return new SearchKey.Flag("\\Draft", true);
            case "FLAGGED": return new SearchKey.Flag("\\Flagged", true);
            case "SEEN": return new SearchKey.Flag("\\Seen", true);
            case "UNANSWERED": return new SearchKey.Flag("\\Answered", false);
            case "UNDELETED": return new SearchKey.Flag("\\Deleted", false);
            case "UNDRAFT": return new SearchKey.Flag("\\Draft", false);
            case "UNFLAGGED": return new SearchKey.Flag("\\Flagged", false);
            case "UNSEEN": return new SearchKey.Flag("\\Seen", false);
            case "RECENT": return new SearchKey.Recent(true);
            case "OLD": return new SearchKey.Recent(false);
            case "NEW": return new SearchKey.And(List.of(new SearchKey.Recent(true), new SearchKey.Flag("\\Seen", false)));
            case "KEYWORD": return new SearchKey.Flag(ImapSession.astring(arg(a, pos)), true);
            case "UNKEYWORD": return new SearchKey.Flag(ImapSession.astring(arg(a, pos)), false);
            case "LARGER": return new SearchKey.Size(true, ImapSession.number(arg(a, pos)));
            case "SMALLER": return new SearchKey.Size(false, ImapSession.number(arg(a, pos)));
            case "BEFORE": return new SearchKey.InternalDate(SearchKey.DateComparison.BEFORE, date(arg(a, pos)));
            case "ON": return new SearchKey.InternalDate(SearchKey.DateComparison.ON, date(arg(a, pos)));
            case "SINCE": return new SearchKey.InternalDate(SearchKey.DateComparison.SINCE, date(arg(a, pos)));
            case "SENTBEFORE": return new SearchKey.SentDate(SearchKey.DateComparison.BEFORE, date(arg(a, pos)));
            case "SENTON": return new SearchKey.SentDate(SearchKey.DateComparison.ON, date(arg(a, pos)));
            case "SENTSINCE": return new SearchKey.SentDate(SearchKey.DateComparison.SINCE, date(arg(a, pos)));
            case "FROM": case "TO": case "CC": case "BCC": case "SUBJECT":
                return new SearchKey.Header(k, ImapSession.astring(arg(a, pos)));
            case "HEADER": {
                String field = ImapSession.astring(arg(a, pos)).toUpperCase(Locale.ROOT);
                return new SearchKey.Header(field, ImapSession.astring(arg(a, pos)));
            }
            case "BODY": return new SearchKey.Body(ImapSession.astring(arg(a, pos)));
            case "TEXT": return new SearchKey.Text(ImapSession.astring(arg(a, pos)));
            case "NOT": return new SearchKey.Not(searchKey(session, a, pos, depth + 1));
            case "OR": {
                SearchKey left = searchKey(session, a, pos, depth + 1);
                return new SearchKey.Or(left, searchKey(session, a, pos, depth + 1));
            }
            case "UID": {
                Token set = arg(a, pos);
                return new SearchKey.Sequence(ImapSession.sequenceSet(set), true);
            }
            case "MODSEQ": {
                Token next = arg(a, pos);
                if (next instanceof Str || (next instanceof Atom at && !at.value().chars().allMatch(Character::isDigit))) {
                    // RFC 7162 §3.1.5: entry-name and entry-type-req precede the value.
                    arg(a, pos);
                    next = arg(a, pos);
                }
                // RFC 7162 §3.1: the MODSEQ search key enables CONDSTORE.
                session.enableCondstore();
                return new SearchKey.ModSeq(ImapSession.number(next));
            }
            default:
                if (t instanceof Atom && SEQUENCE.matcher(word).matches()) {
                    return new SearchKey.Sequence(ImapSession.sequenceSet(t), false);
                }
                throw new ImapParseException("Unknown search key " + word);
        }
    }

    private static Token arg(List<Token> a, int[] pos) {
        if (pos[0] >= a.size()) {
            throw new ImapParseException("Search key needs an argument");
        }
        return a.get(pos[0]++);
    }

    private static LocalDate date(Token t) {
        try {
            return LocalDate.parse(ImapSession.astring(t), SEARCH_DATE);
        } catch (DateTimeParseException e) {
            throw new ImapParseException("Invalid date (d-Mon-yyyy)");
        }
    }
}
