package io.yubin.bench.imap;

import io.yubin.bench.imap.ImapResponse.Condition;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses one server response strictly against the grammar of RFC 9051 §9 (and RFC 3501 §9 for
 * IMAP4rev1 sessions): a response that does not parse is a protocol error. It reads what this
 * harness asks for in full (FETCH items, SEARCH, FLAGS, status responses) and checks only the
 * shape of untagged responses it never asks for.
 */
final class ImapResponseParser {

    /** Untagged responses that a server may send without being asked for their data. */
    private static final Set<String> OTHER_UNTAGGED = Set.of("CAPABILITY", "LIST", "LSUB", "STATUS", "ENABLED",
            "NAMESPACE", "ID", "ESEARCH", "SORT", "THREAD", "VANISHED", "QUOTA", "QUOTAROOT", "METADATA");

    private final RawResponse raw;
    private int segment;
    private String line;
    private int pos;

    private ImapResponseParser(RawResponse raw) {
        this.raw = raw;
        this.line = raw.lines().get(0);
    }

    static ImapResponse parse(RawResponse raw) throws ImapSyntaxException {
        return new ImapResponseParser(raw).response();
    }

    private ImapResponse response() throws ImapSyntaxException {
        if (peek() == '+') {
            pos++;
            rest();
            return new ImapResponse.Continuation();
        }
        if (peek() == '*') {
            pos++;
            sp();
            return untagged();
        }
        String tag = tag();
        sp();
        Condition condition = condition(atom());
        if (condition != Condition.OK && condition != Condition.NO && condition != Condition.BAD) {
            throw new ImapSyntaxException("tagged " + condition);
        }
        String[] text = respText();
        return new ImapResponse.Tagged(tag, condition, text[0], text[1], text[2]);
    }

    private ImapResponse untagged() throws ImapSyntaxException {
        if (isDigit(peek())) {
            long n = number();
            sp();
            String name = atom().toUpperCase(Locale.ROOT);
            ImapResponse r = switch (name) {
                case "EXISTS" -> new ImapResponse.Exists(n);
                case "RECENT" -> new ImapResponse.Recent(n);
                case "EXPUNGE" -> new ImapResponse.Expunge(n);
                case "FETCH" -> {
                    sp();
                    yield new ImapResponse.Fetch(n, fetchItems());
                }
                default -> throw new ImapSyntaxException("unknown message data " + name);
            };
            if (r instanceof ImapResponse.Expunge || r instanceof ImapResponse.Fetch) {
                if (n == 0) {
                    throw new ImapSyntaxException(name + " with message number 0");
                }
            }
            end();
            return r;
        }
        String name = atom().toUpperCase(Locale.ROOT);
        switch (name) {
            case "OK", "NO", "BAD", "BYE", "PREAUTH" -> {
                String[] text = respText();
                return new ImapResponse.Status(condition(name), text[0], text[1], text[2]);
            }
            case "FLAGS" -> {
                sp();
                List<String> flags = flagList();
                end();
                return new ImapResponse.Flags(flags);
            }
            case "SEARCH" -> {
                List<Long> numbers = new ArrayList<>();
                while (peek() == ' ') {
                    sp();
                    if (peek() == '(') { // RFC 7162 §3.1.5: (MODSEQ n) after the numbers
                        value();
                        break;
                    }
                    long n = number();
                    if (n == 0) {
                        throw new ImapSyntaxException("SEARCH result 0");
                    }
                    numbers.add(n);
                }
                end();
                return new ImapResponse.Search(numbers);
            }
            default -> {
                if (!OTHER_UNTAGGED.contains(name)) {
                    throw new ImapSyntaxException("unknown untagged response " + name);
                }
                while (!atEnd()) { // skip over, literals included
                    if (peek() == '{') {
                        value();
                    } else {
                        pos++;
                    }
                }
                return new ImapResponse.Other(name);
            }
        }
    }

    /** msg-att: "(" item SP value *(SP item SP value) ")". */
    private Map<String, ImapValue> fetchItems() throws ImapSyntaxException {
        expect('(');
        Map<String, ImapValue> items = new LinkedHashMap<>();
        while (true) {
            String name = fetchItemName();
            sp();
            ImapValue value = value();
            checkItem(name, value);
            if (items.put(name, value) != null) {
                throw new ImapSyntaxException("FETCH item " + name + " twice");
            }
            if (peek() == ')') {
                pos++;
                return items;
            }
            sp();
        }
    }

    private static void checkItem(String name, ImapValue value) throws ImapSyntaxException {
        switch (name) {
            case "FLAGS" -> {
                if (!(value instanceof ImapValue.Lst l) || !l.items().stream().allMatch(ImapResponseParser::isFlag)) {
                    throw new ImapSyntaxException("FLAGS is not a list of flags");
                }
            }
            case "UID", "RFC822.SIZE" -> {
                if (!(value instanceof ImapValue.Atom a) || !a.text().chars().allMatch(ImapResponseParser::isDigit)
                        || (name.equals("UID") && Long.parseLong(a.text()) == 0)) {
                    throw new ImapSyntaxException(name + " is not a number");
                }
            }
            case "ENVELOPE" -> checkEnvelope(value);
            default -> {
                if (name.startsWith("BODY[") && !(value instanceof ImapValue.Str || value instanceof ImapValue.Nil)) {
                    throw new ImapSyntaxException(name + " is not an nstring");
                }
            }
        }
    }

    /** RFC 9051 §9 envelope: date subject from sender reply-to to cc bcc in-reply-to message-id. */
    private static void checkEnvelope(ImapValue value) throws ImapSyntaxException {
        if (!(value instanceof ImapValue.Lst l) || l.items().size() != 10) {
            throw new ImapSyntaxException("ENVELOPE is not a list of 10");
        }
        for (int i = 0; i < 10; i++) {
            ImapValue v = l.items().get(i);
            boolean addresses = i >= 2 && i <= 7;
            if (addresses) {
                if (v instanceof ImapValue.Nil) {
                    continue;
                }
                if (!(v instanceof ImapValue.Lst list) || list.items().isEmpty()) {
                    throw new ImapSyntaxException("ENVELOPE address field " + i + " is not NIL or a list");
                }
                for (ImapValue a : list.items()) {
                    if (!(a instanceof ImapValue.Lst addr) || addr.items().size() != 4 || !addr.items().stream()
                            .allMatch(x -> x instanceof ImapValue.Str || x instanceof ImapValue.Nil)) {
                        throw new ImapSyntaxException("ENVELOPE address is not a list of 4 nstrings");
                    }
                }
            } else if (!(v instanceof ImapValue.Str || v instanceof ImapValue.Nil)) {
                throw new ImapSyntaxException("ENVELOPE field " + i + " is not an nstring");
            }
        }
    }

    private static boolean isFlag(ImapValue v) {
        if (!(v instanceof ImapValue.Atom a) || a.text().isEmpty()) {
            return false;
        }
        String t = a.text();
        int start = t.charAt(0) == '\\' ? 1 : 0;
        if (t.length() == start) {
            return false;
        }
        for (int i = start; i < t.length(); i++) {
            if (!isAtomChar(t.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private List<String> flagList() throws ImapSyntaxException {
        ImapValue v = value();
        if (!(v instanceof ImapValue.Lst l)) {
            throw new ImapSyntaxException("not a flag list");
        }
        List<String> flags = new ArrayList<>();
        for (ImapValue f : l.items()) {
            if (!isFlag(f) && !(f instanceof ImapValue.Atom a && a.text().equals("\\*"))) {
                throw new ImapSyntaxException("not a flag: " + f);
            }
            flags.add(((ImapValue.Atom) f).text());
        }
        return flags;
    }

    /** A FETCH item name: an atom, with a [section] that may hold spaces, then an optional <origin>. */
    private String fetchItemName() throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length() && isAtomChar(line.charAt(pos)) && line.charAt(pos) != '[') {
            pos++;
        }
        if (pos == start) {
            throw new ImapSyntaxException("FETCH item name expected at " + pos);
        }
        String name = line.substring(start, pos).toUpperCase(Locale.ROOT);
        if (peek() == '[') {
            int close = line.indexOf(']', pos);
            if (close < 0) {
                throw new ImapSyntaxException("unclosed section");
            }
            name += line.substring(pos, close + 1).toUpperCase(Locale.ROOT);
            pos = close + 1;
            if (peek() == '<') {
                int gt = line.indexOf('>', pos);
                if (gt < 0) {
                    throw new ImapSyntaxException("unclosed origin");
                }
                name += line.substring(pos, gt + 1);
                pos = gt + 1;
            }
        }
        return name;
    }

    /** resp-text = ["[" resp-text-code "]" SP] [text]; returns code, code arguments and text. */
    private String[] respText() throws ImapSyntaxException {
        String code = null;
        String args = null;
        if (atEnd()) {
            return new String[] {null, null, ""};
        }
        sp();
        if (peek() == '[') {
            pos++;
            int start = pos;
            while (pos < line.length() && line.charAt(pos) != ' ' && line.charAt(pos) != ']') {
                pos++;
            }
            code = line.substring(start, pos).toUpperCase(Locale.ROOT);
            if (code.isEmpty()) {
                throw new ImapSyntaxException("empty response code");
            }
            if (peek() == ' ') {
                pos++;
                int close = line.indexOf(']', pos);
                if (close < 0) {
                    throw new ImapSyntaxException("unclosed response code");
                }
                args = line.substring(pos, close);
                pos = close;
            }
            expect(']');
            if (atEnd()) {
                return new String[] {code, args, ""};
            }
            sp();
        }
        return new String[] {code, args, rest()};
    }

    private static Condition condition(String name) throws ImapSyntaxException {
        try {
            return Condition.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ImapSyntaxException("not a condition: " + name);
        }
    }

    private ImapValue value() throws ImapSyntaxException {
        char c = peek();
        switch (c) {
            case '(' -> {
                pos++;
                List<ImapValue> items = new ArrayList<>();
                if (peek() == ')') {
                    pos++;
                    return new ImapValue.Lst(items);
                }
                while (true) {
                    items.add(value());
                    if (peek() == ')') {
                        pos++;
                        return new ImapValue.Lst(items);
                    }
                    sp();
                }
            }
            case '"' -> {
                return new ImapValue.Str(quoted().getBytes(StandardCharsets.ISO_8859_1));
            }
            case '{' -> {
                int close = line.indexOf('}', pos);
                if (close != line.length() - 1 || segment >= raw.literals().size()) {
                    throw new ImapSyntaxException("literal not at the end of a line");
                }
                byte[] octets = raw.literals().get(segment);
                if (!line.substring(pos + 1, close).equals(String.valueOf(octets.length))) {
                    throw new ImapSyntaxException("bad literal length " + line.substring(pos, close + 1));
                }
                segment++;
                line = raw.lines().get(segment);
                pos = 0;
                return new ImapValue.Str(octets);
            }
            default -> {
                String a = atom();
                return a.equalsIgnoreCase("NIL") ? ImapValue.NIL : new ImapValue.Atom(a);
            }
        }
    }

    private String quoted() throws ImapSyntaxException {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (pos < line.length()) {
            char c = line.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                if (pos >= line.length() || (line.charAt(pos) != '"' && line.charAt(pos) != '\\')) {
                    throw new ImapSyntaxException("bad escape in quoted string");
                }
                c = line.charAt(pos++);
            }
            b.append(c);
        }
        throw new ImapSyntaxException("unterminated quoted string");
    }

    /** An atom; a leading backslash is allowed for flags ({@code \Seen}, {@code \*}). */
    private String atom() throws ImapSyntaxException {
        int start = pos;
        if (peek() == '\\') {
            pos++;
            if (peek() == '*') {
                pos++;
                return "\\*";
            }
        }
        while (pos < line.length() && isAtomChar(line.charAt(pos))) {
            pos++;
        }
        if (pos == start || (pos == start + 1 && line.charAt(start) == '\\')) {
            throw new ImapSyntaxException("atom expected at " + start);
        }
        return line.substring(start, pos);
    }

    private String tag() throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length() && isAtomChar(line.charAt(pos)) && line.charAt(pos) != '+') {
            pos++;
        }
        if (pos == start) {
            throw new ImapSyntaxException("tag expected");
        }
        return line.substring(start, pos);
    }

    private long number() throws ImapSyntaxException {
        int start = pos;
        while (pos < line.length() && isDigit(line.charAt(pos))) {
            pos++;
        }
        if (pos == start || pos - start > 10) {
            throw new ImapSyntaxException("number expected at " + start);
        }
        long n = Long.parseLong(line.substring(start, pos));
        if (n > 0xFFFFFFFFL) {
            throw new ImapSyntaxException("number out of range: " + n);
        }
        return n;
    }

    private String rest() {
        String r = line.substring(pos);
        pos = line.length();
        return r;
    }

    private void sp() throws ImapSyntaxException {
        expect(' ');
    }

    private void expect(char c) throws ImapSyntaxException {
        if (peek() != c) {
            throw new ImapSyntaxException("'" + c + "' expected at " + pos + " of line " + segment);
        }
        pos++;
    }

    private void end() throws ImapSyntaxException {
        if (!atEnd()) {
            throw new ImapSyntaxException("unexpected text after the response: " + line.substring(pos));
        }
    }

    private boolean atEnd() {
        return pos >= line.length() && segment == raw.lines().size() - 1;
    }

    private char peek() {
        return pos < line.length() ? line.charAt(pos) : '\0';
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** ATOM-CHAR of RFC 9051 §9 (so neither '\\' nor ']'). */
    private static boolean isAtomChar(char c) {
        return c > 0x20 && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '"' && c != '\\' && c != '%'
                && c != '*' && c != ']';
    }
}
