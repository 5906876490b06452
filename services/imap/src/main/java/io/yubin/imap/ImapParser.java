package io.yubin.imap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one framed command into a tag, a command name and a list of arguments (RFC 9051 §9): atoms,
 * quoted strings, literals, NIL and parenthesized lists. A fetch attribute such as
 * {@code BODY.PEEK[HEADER.FIELDS (FROM TO)]<0.100>} is one atom: brackets may hold spaces and lists.
 * Syntax errors are {@link ImapParseException}s whose message is fit for a BAD response.
 */
final class ImapParser {

    /** One argument. */
    sealed interface Token {
    }

    /** An atom, including {@code \Flags}, sequence sets and fetch attributes with brackets. */
    record Atom(String value) implements Token {
    }

    /** A quoted string or a literal, as text (literals are decoded as UTF-8). */
    record Str(String value, byte[] octets) implements Token {
    }

    /** A literal streamed to a temporary file as it arrived (an APPEND message, see {@link ImapFramer}). */
    record Spooled(AppendLiteral literal) implements Token {
    }

    record ListToken(List<Token> items) implements Token {
    }

    record Nil() implements Token {
    }

    record Request(String tag, String command, List<Token> args) {
    }

    private final List<byte[]> segments;
    private final int maxDepth;
    private int segment;
    private int pos;

    private final int streamedSegment;
    private final AppendLiteral streamed;

    private ImapParser(List<byte[]> segments, int maxDepth, int streamedSegment, AppendLiteral streamed) {
        this.segments = segments;
        this.maxDepth = maxDepth;
        this.streamedSegment = streamedSegment;
        this.streamed = streamed;
    }

    static Request parse(List<byte[]> segments, int maxDepth) {
        return new ImapParser(segments, maxDepth, -1, null).request();
    }

    /** A command whose segment {@code streamedSegment} is a literal spooled to {@code streamed}. */
    static Request parse(List<byte[]> segments, int maxDepth, int streamedSegment, AppendLiteral streamed) {
        return new ImapParser(segments, maxDepth, streamedSegment, streamed).request();
    }

    /** RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">. */
    static boolean isTag(String tag) {
        if (tag.isEmpty() || tag.length() > 64) {
            return false;
        }
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (!isAstringChar(c) || c == '+') {
                return false;
            }
        }
        return true;
    }

    private Request request() {
        byte[] first = segments.get(0);
        for (byte[] text : textSegments()) {
            for (byte b : text) {
                if (b == 0 || b == '\r' || b == '\n') {
                    throw new ImapParseException("NUL, CR and LF are not allowed in a command line");
                }
            }
        }
        int sp = indexOf(first, (byte) ' ', 0);
        String tag = new String(first, 0, sp < 0 ? first.length : sp, StandardCharsets.US_ASCII);
        if (!isTag(tag)) {
            throw new ImapParseException("Invalid tag");
        }
        if (sp < 0) {
            throw new ImapParseException(tag, "Missing command");
        }
        pos = sp + 1;
        String command = atomText();
        if (command.isEmpty()) {
            throw new ImapParseException(tag, "Missing command");
        }
        List<Token> args = new ArrayList<>();
        try {
            while (!atEnd()) {
                expect(' ');
                args.add(token(0));
            }
        } catch (ImapParseException e) {
            throw new ImapParseException(tag, e.getMessage());
        }
        return new Request(tag, command.toUpperCase(java.util.Locale.ROOT), args);
    }

    private List<byte[]> textSegments() {
        List<byte[]> texts = new ArrayList<>();
        for (int i = 0; i < segments.size(); i += 2) {
            texts.add(segments.get(i));
        }
        return texts;
    }

    private byte[] current() {
        return segments.get(segment);
    }

    private boolean atEnd() {
        return segment == segments.size() - 1 && pos >= current().length;
    }

    private int peek() {
        return pos < current().length ? current()[pos] & 0xff : -1;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw new ImapParseException("Expected '" + c + "'" + (peek() < 0 ? " before the end of the line" : ""));
        }
        pos++;
    }

    private Token token(int depth) {
        int c = peek();
        if (c == '(') {
            if (depth >= maxDepth) {
                throw new ImapParseException("Too deeply nested");
            }
            pos++;
            List<Token> items = new ArrayList<>();
            while (peek() != ')') {
                if (!items.isEmpty()) {
                    expect(' ');
                }
                if (peek() < 0 && segment == segments.size() - 1) {
                    throw new ImapParseException("Unclosed parenthesis");
                }
                items.add(token(depth + 1));
            }
            pos++;
            return new ListToken(items);
        }
        if (c == '"') {
            return quoted();
        }
        if (c == '{' || (c == '~' && pos + 1 < current().length && current()[pos + 1] == '{')) {
            return literal();
        }
        String atom = atomText();
        if (atom.isEmpty()) {
            throw new ImapParseException(c < 0 ? "Missing argument" : "Unexpected character '" + (char) c + "'");
        }
        if (atom.equalsIgnoreCase("NIL")) {
            return new Nil();
        }
        return new Atom(atom);
    }

    private Token quoted() {
        pos++;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (true) {
            int c = peek();
            if (c < 0) {
                throw new ImapParseException("Unterminated quoted string");
            }
            pos++;
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                int next = peek();
                if (next != '"' && next != '\\') {
                    throw new ImapParseException("Invalid escape in quoted string");
                }
                pos++;
                out.write(next);
            } else {
                out.write(c);
            }
        }
        byte[] octets = out.toByteArray();
        return new Str(new String(octets, StandardCharsets.UTF_8), octets);
    }

    private Token literal() {
        byte[] text = current();
        int close = indexOf(text, (byte) '}', pos);
        if (close != text.length - 1 || segment + 1 >= segments.size()) {
            throw new ImapParseException("A literal must end its line");
        }
        segment++;
        if (segment == streamedSegment && streamed != null) {
            segment++;
            pos = 0;
            return new Spooled(streamed);
        }
        byte[] octets = segments.get(segment);
        segment++;
        pos = 0;
        return new Str(new String(octets, StandardCharsets.UTF_8), octets);
    }

    /**
     * Atom characters, plus, after a fetch attribute that takes a section (BODY[...], BINARY.PEEK[...]),
     * brackets holding anything but CR/LF. Elsewhere "[" and "]" are characters like others: "[" is an
     * ATOM-CHAR and "]" an ASTRING-CHAR (RFC 9051 §9), so a mailbox may be named {@code a[b}.
     */
    private String atomText() {
        byte[] text = current();
        int start = pos;
        int brackets = 0;
        while (pos < text.length) {
            char c = (char) (text[pos] & 0xff);
            if (c == '[' && (brackets > 0 || takesSection(text, start, pos))) {
                brackets++;
            } else if (c == ']' && brackets > 0) {
                brackets--;
            } else if (brackets == 0 && !isAtomChar(c) && c != ']') {
                break;
            }
            pos++;
        }
        if (brackets > 0) {
            throw new ImapParseException("Unclosed '['");
        }
        return new String(text, start, pos - start, StandardCharsets.UTF_8);
    }

    private static final List<String> SECTIONED = List.of("BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE");

    /** True when the atom's text from {@code start} to {@code end} is a fetch attribute followed by a section. */
    private static boolean takesSection(byte[] text, int start, int end) {
        String name = new String(text, start, end - start, StandardCharsets.US_ASCII);
        for (String s : SECTIONED) {
            if (s.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 9051 §9 ATOM-CHAR plus list-wildcards and non-ASCII (UTF-8 mailbox names, RFC 6855). */
    private static boolean isAtomChar(char c) {
        return c > ' ' && c != '(' && c != ')' && c != '{' && c != '"' && c != 0x7f;
    }

    private static boolean isAstringChar(char c) {
        return c > ' ' && c < 0x7f && c != '(' && c != ')' && c != '{' && c != '%' && c != '*' && c != '"'
                && c != '\\';
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** A syntax error, with the tag when it was readable. */
    static final class ImapParseException extends RuntimeException {
        private final String tag;

        ImapParseException(String message) {
            this(null, message);
        }

        ImapParseException(String tag, String message) {
            super(message, null, false, false);
            this.tag = tag;
        }

        String tag() {
            return tag;
        }
    }
}
