package io.yubin.smtp;

import io.yubin.model.MailAddress;

/**
 * RFC 5321 §4.1.2 Reverse-path and Forward-path: {@code <>} or {@code <[A-d-l:]Mailbox>}. Source
 * routes (A-d-l) are accepted and ignored (§4.1.1.3, Appendix C).
 */
final class SmtpPathParser {

    /** A parsed path and where the text after its closing bracket starts. */
    record Parsed(MailAddress address, int end) {
    }

    private SmtpPathParser() {
    }

    /**
     * Parses the path that starts at {@code from} in {@code text}; {@code address} null for {@code <>}.
     *
     * @throws IllegalArgumentException when it is not a valid path
     */
    static Parsed parse(String text, int from, boolean allowEmpty) {
        if (from >= text.length() || text.charAt(from) != '<') {
            throw new IllegalArgumentException("path must be enclosed in <>");
        }
        int close = closingBracket(text, from + 1);
        String inner = text.substring(from + 1, close);
        if (inner.isEmpty()) {
            if (!allowEmpty) {
                throw new IllegalArgumentException("empty path");
            }
            return new Parsed(null, close + 1);
        }
        if (inner.charAt(0) == '@') {
            int colon = inner.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("source route without ':'");
            }
            inner = inner.substring(colon + 1);
        }
        return new Parsed(MailAddress.parse(inner, true), close + 1);
    }

    private static int closingBracket(String text, int from) {
        boolean quoted = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        throw new IllegalArgumentException("path without closing '>'");
    }
}
