package io.yubin.model;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Recursive-descent parser for RFC 5321 §4.1.2 {@code Mailbox = Local-part "@" ( Domain /
 * address-literal )} with the RFC 6531 §3.3 extensions (UTF-8 in atext and qtext). Errors name
 * the problem and its zero-based position in the input.
 */
final class AddressParser {

    /** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
    static final int MAX_LOCAL_PART_OCTETS = 64;
    /** RFC 5321 §4.5.3.1.2: a domain is at most 255 octets. */
    static final int MAX_DOMAIN_OCTETS = 255;

    private AddressParser() {
    }

    static MailAddress parse(String text, boolean allowUtf8) {
        if (text == null || text.isEmpty()) {
            throw new AddressException("address is empty", 0);
        }
        Parser p = new Parser(text, 0, allowUtf8);
        MailAddress address = p.mailbox(false);
        p.expectEnd("address");
        return address;
    }

    /** A parser positioned at {@code from}, for {@link SmtpPath}. */
    static Parser parser(String text, int from, boolean allowUtf8) {
        return new Parser(text, from, allowUtf8);
    }

    static String canonicalLocalPart(String localPart) {
        return Normalizer.normalize(localPart, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }

    /** The local part as a Dot-string when it is one, else as a Quoted-string (RFC 5321 §4.1.2). */
    static String formatLocalPart(String localPart) {
        if (isDotString(localPart)) {
            return localPart;
        }
        StringBuilder out = new StringBuilder(localPart.length() + 2).append('"');
        for (int i = 0; i < localPart.length(); i++) {
            char c = localPart.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }

    /** RFC 5321 §4.1.2 Dot-string = Atom *("." Atom). */
    static boolean isDotString(String s) {
        if (s.isEmpty() || s.charAt(0) == '.' || s.charAt(s.length() - 1) == '.' || s.contains("..")) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '.' && !isAtext(c) && c < 0x80) {
                return false;
            }
        }
        return true;
    }

    /** RFC 5322 §3.2.3 atext, ASCII part. */
    static boolean isAtext(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c < 0x80 && "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    /** RFC 5321 §4.1.2 qtextSMTP = %d32-33 / %d35-91 / %d93-126. */
    private static boolean isQtext(int c) {
        return c >= 32 && c <= 126 && c != '"' && c != '\\';
    }

    static final class Parser {
        private final String text;
        private final boolean allowUtf8;
        private int pos;

        private Parser(String text, int from, boolean allowUtf8) {
            this.text = text;
            this.pos = from;
            this.allowUtf8 = allowUtf8;
        }

        int position() {
            return pos;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        char peek() {
            return text.charAt(pos);
        }

        void expectEnd(String what) {
            if (!atEnd()) {
                throw new AddressException("unexpected " + describeAt(pos) + " at position " + pos + " after the "
                        + what, pos);
            }
        }

        /**
         * Mailbox = Local-part "@" ( Domain / address-literal ). In a path ({@code inPath}) the
         * domain ends before the next {@code >}, else at the end of the text.
         */
        MailAddress mailbox(boolean inPath) {
            int start = pos;
            if (atEnd() || inPath && peek() == '>') {
                throw new AddressException("address is empty", pos);
            }
            String localPart = peek() == '"' ? quotedString() : dotString(inPath);
            int octets = text.substring(start, pos).getBytes(StandardCharsets.UTF_8).length;
            if (octets > MAX_LOCAL_PART_OCTETS) {
                throw new AddressException("local part is " + octets + " octets; the limit is "
                        + MAX_LOCAL_PART_OCTETS + " (RFC 5321 §4.5.3.1.1)", start);
            }
            if (atEnd() || inPath && peek() == '>') {
                throw new AddressException("address has no '@' after the local part at position " + pos, pos);
            }
            if (peek() != '@') {
                throw new AddressException("unexpected " + describeAt(pos) + " at position " + pos
                        + " after the quoted local part; RFC 5321 allows only '@' here", pos);
            }
            pos++;
            return new MailAddress(localPart, domain(inPath));
        }

        /** Dot-string = Atom *("." Atom); stops before '@'. */
        private String dotString(boolean inPath) {
            int start = pos;
            while (true) {
                int atomStart = pos;
                while (!atEnd() && isAtomChar(pos)) {
                    pos += Character.charCount(text.codePointAt(pos));
                }
                boolean atomEnd = atEnd() || peek() == '@' || peek() == '.' || inPath && peek() == '>';
                if (!atomEnd) {
                    throw badLocalPartCharacter(pos);
                }
                if (pos == atomStart) {
                    if (atomStart == start) {
                        if (!atEnd() && peek() == '.') {
                            throw new AddressException("local part starts with a dot at position " + pos, pos);
                        }
                        throw new AddressException("local part is empty at position " + pos, pos);
                    }
                    if (!atEnd() && peek() == '.') {
                        throw new AddressException("local part has consecutive dots at position " + (pos - 1),
                                pos - 1);
                    }
                    throw new AddressException("local part ends with a dot at position " + (pos - 1), pos - 1);
                }
                if (atEnd() || peek() != '.') {
                    return text.substring(start, pos);
                }
                pos++;
            }
        }

        private boolean isAtomChar(int i) {
            int c = text.codePointAt(i);
            if (c < 0x80) {
                return isAtext(c);
            }
            checkNonAscii(i, "local part");
            return true;
        }

        /** RFC 6531 §3.3: UTF8-non-ascii is allowed in atext and qtext only under SMTPUTF8. */
        private void checkNonAscii(int i, String where) {
            int c = text.codePointAt(i);
            if (Character.isSurrogate(text.charAt(i)) && Character.charCount(c) == 1) {
                throw new AddressException(where + " has an unpaired surrogate " + DomainParser.describe(c)
                        + " at position " + i + "; it is not valid UTF-8", i);
            }
            if (c <= 0x9f) {
                throw new AddressException(where + " has the control character " + DomainParser.describe(c)
                        + " at position " + i, i);
            }
            if (!allowUtf8) {
                throw new AddressException(where + " has the non-ASCII character " + DomainParser.describe(c)
                        + " at position " + i + "; this needs SMTPUTF8 (RFC 6531)", i);
            }
        }

        private AddressException badLocalPartCharacter(int i) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return new AddressException("local part has the control character " + DomainParser.describe(c)
                        + " at position " + i, i);
            }
            if (c == ' ') {
                return new AddressException("local part has a space at position " + i
                        + "; a local part with spaces must be quoted", i);
            }
            if (c == '"') {
                return new AddressException("local part has a quote at position " + i
                        + "; only a whole local part may be quoted", i);
            }
            return new AddressException("local part has the character " + DomainParser.describe(c)
                    + " at position " + i + ", which is not allowed unquoted", i);
        }

        /** Quoted-string = DQUOTE *QcontentSMTP DQUOTE; returns the content without quoting. */
        private String quotedString() {
            int start = pos;
            pos++;
            StringBuilder value = new StringBuilder();
            while (true) {
                if (atEnd()) {
                    throw new AddressException("quoted string starting at position " + start + " is unterminated",
                            start);
                }
                char c = peek();
                if (c == '"') {
                    pos++;
                    break;
                }
                if (c == '\\') {
                    // quoted-pairSMTP = %d92 %d32-126
                    pos++;
                    if (atEnd()) {
                        throw new AddressException("quoted string starting at position " + start
                                + " is unterminated", start);
                    }
                    char q = peek();
                    if (q < 32 || q > 126) {
                        throw new AddressException("backslash at position " + (pos - 1)
                                + " quotes " + DomainParser.describe(text.codePointAt(pos))
                                + "; only printable ASCII may be quoted", pos);
                    }
                    value.append(q);
                    pos++;
                } else if (c < 0x80) {
                    if (!isQtext(c)) {
                        throw new AddressException("quoted string has the control character "
                                + DomainParser.describe(c) + " at position " + pos, pos);
                    }
                    value.append(c);
                    pos++;
                } else {
                    checkNonAscii(pos, "quoted string");
                    int n = Character.charCount(text.codePointAt(pos));
                    value.append(text, pos, pos + n);
                    pos += n;
                }
            }
            if (value.length() == 0) {
                throw new AddressException("local part is empty (\"\") at position " + start, start);
            }
            return value.toString();
        }

        /** Domain or address-literal, up to the end (or to '>' in a path). */
        private Domain domain(boolean inPath) {
            int start = pos;
            int end = inPath ? text.indexOf('>', pos) : -1;
            if (end < 0) {
                end = text.length();
            }
            if (start == end) {
                throw new AddressException("domain is empty after '@' at position " + (start - 1), start);
            }
            if (text.charAt(start) == '[') {
                int close = text.indexOf(']', start);
                if (close < 0 || close >= end) {
                    throw new AddressException("address literal at position " + start + " has no closing ']'",
                            start);
                }
                pos = close + 1;
                return new Domain(AddressLiteral.normalize(text.substring(start, pos), start));
            }
            String written = text.substring(start, end);
            for (int i = start; i < end; i++) {
                char c = text.charAt(i);
                if (c >= 0x80 && !allowUtf8) {
                    throw new AddressException("domain has the non-ASCII character "
                            + DomainParser.describe(text.codePointAt(i)) + " at position " + i
                            + "; a U-label domain needs SMTPUTF8 (RFC 6531), else use its A-label form", i);
                }
            }
            int octets = written.getBytes(StandardCharsets.UTF_8).length;
            if (octets > MAX_DOMAIN_OCTETS) {
                throw new AddressException("domain is " + octets + " octets; the limit is " + MAX_DOMAIN_OCTETS
                        + " (RFC 5321 §4.5.3.1.2)", start);
            }
            // RFC 5321 §4.1.2: Domain = sub-domain *("." sub-domain), so no trailing dot here.
            String ascii = DomainParser.toAscii(written, start, false);
            pos = end;
            return new Domain(ascii);
        }

        private String describeAt(int i) {
            return DomainParser.describe(text.codePointAt(i));
        }
    }
}
