package io.yubin.imap;

import java.nio.charset.StandardCharsets;

/**
 * Writes IMAP strings (RFC 9051 §4.3): NIL for null, a quoted string where the value allows it, a
 * literal otherwise. Output goes to a StringBuilder whose content is sent as UTF-8, so literal
 * lengths count UTF-8 octets.
 */
public final class ImapStrings {

    private ImapStrings() {
    }

    /**
     * Appends {@code value} as nstring. Eight-bit text is sent quoted only when the client enabled
     * UTF-8 (RFC 9051 §4.3, RFC 6855); otherwise, and for CR, LF or NUL, as a literal.
     */
    public static StringBuilder appendNString(StringBuilder out, String value, boolean utf8) {
        if (value == null) {
            return out.append("NIL");
        }
        return appendString(out, value, utf8);
    }

    /** Appends {@code value} as string (never NIL). */
    public static StringBuilder appendString(StringBuilder out, String value, boolean utf8) {
        if (quotable(value, utf8)) {
            out.append('"');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\');
                }
                out.append(c);
            }
            return out.append('"');
        }
        return out.append('{').append(value.getBytes(StandardCharsets.UTF_8).length).append("}\r\n").append(value);
    }

    /** True when the value can be sent as a quoted string (RFC 9051 §9 quoted: no CR, LF or NUL). */
    static boolean quotable(String value, boolean utf8) {
        if (value.length() > 1024) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !utf8)) {
                return false;
            }
        }
        return true;
    }
}
