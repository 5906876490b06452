package io.yubin.model;

/**
 * IMAP4rev1 modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable US-ASCII except
 * {@code &} stands for itself, {@code &} is {@code &-}, anything else is UTF-16 in modified
 * base64 (with {@code ,} for {@code /}, no padding) between {@code &} and {@code -}. Decoding
 * accepts only the one canonical encoding of each name.
 */
final class ModifiedUtf7 {

    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".toCharArray();
    private static final int[] VALUES = new int[128];

    static {
        java.util.Arrays.fill(VALUES, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = i;
        }
    }

    private ModifiedUtf7() {
    }

    private static boolean isDirect(char c) {
        return c >= 0x20 && c <= 0x7e;
    }

    /** Encodes a Unicode string; refuses unpaired surrogates, which UTF-16 cannot carry. */
    static String encode(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '&') {
                out.append("&-");
                i++;
            } else if (isDirect(c)) {
                out.append(c);
                i++;
            } else {
                int end = i;
                while (end < s.length() && !isDirect(s.charAt(end))) {
                    char e = s.charAt(end);
                    if (Character.isHighSurrogate(e) && end + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(end + 1))) {
                        end += 2;
                    } else if (Character.isSurrogate(e)) {
                        throw new AddressException("mailbox name has an unpaired surrogate "
                                + DomainParser.describe(e) + " at position " + end, end);
                    } else {
                        end++;
                    }
                }
                out.append('&');
                appendBase64(s, i, end, out);
                out.append('-');
                i = end;
            }
        }
        return out.toString();
    }

    private static void appendBase64(String s, int from, int to, StringBuilder out) {
        int bits = 0;
        int buffer = 0;
        for (int i = from; i < to; i++) {
            buffer = buffer << 16 | s.charAt(i);
            bits += 16;
            while (bits >= 6) {
                bits -= 6;
                out.append(ALPHABET[buffer >> bits & 0x3f]);
            }
            buffer &= (1 << bits) - 1;
        }
        if (bits > 0) {
            out.append(ALPHABET[buffer << (6 - bits) & 0x3f]);
        }
    }

    /** Decodes strictly: anything but the canonical encoding is an {@link AddressException}. */
    static String decode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        int lastShiftEnd = -1;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (!isDirect(c)) {
                throw new AddressException("modified UTF-7 has the raw character " + DomainParser.describe(c)
                        + " at position " + i + "; only printable US-ASCII may appear", i);
            }
            if (c != '&') {
                out.append(c);
                i++;
                continue;
            }
            int start = i;
            int dash = s.indexOf('-', i + 1);
            if (dash < 0) {
                throw new AddressException("modified UTF-7 has '&' at position " + i + " without a closing '-'", i);
            }
            if (dash == i + 1) {
                out.append('&');
                i = dash + 1;
                continue;
            }
            if (lastShiftEnd == start) {
                throw new AddressException("modified UTF-7 has two adjacent shifted sequences at position " + start
                        + "; they must be one", start);
            }
            decodeShifted(s, i + 1, dash, out);
            i = dash + 1;
            lastShiftEnd = i;
        }
        return out.toString();
    }

    private static void decodeShifted(String s, int from, int to, StringBuilder out) {
        int bits = 0;
        int buffer = 0;
        int first = out.length();
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            int v = c < 128 ? VALUES[c] : -1;
            if (v < 0) {
                throw new AddressException("modified UTF-7 has " + DomainParser.describe(c) + " at position " + i
                        + ", which is not modified base64", i);
            }
            buffer = buffer << 6 | v;
            bits += 6;
            if (bits >= 16) {
                bits -= 16;
                out.append((char) (buffer >> bits & 0xffff));
                buffer &= (1 << bits) - 1;
            }
        }
        // RFC 2152: leftover bits (fewer than 6) are padding and must be zero.
        if (bits >= 6) {
            throw new AddressException("modified UTF-7 shifted sequence at position " + (from - 1)
                    + " has a truncated 16-bit unit", from - 1);
        }
        if (buffer != 0) {
            throw new AddressException("modified UTF-7 shifted sequence at position " + (from - 1)
                    + " has non-zero padding bits", to - 1);
        }
        for (int k = first; k < out.length(); k++) {
            char c = out.charAt(k);
            if (isDirect(c)) {
                throw new AddressException("modified UTF-7 shifted sequence at position " + (from - 1)
                        + " encodes the printable character " + DomainParser.describe(c)
                        + ", which must appear as itself", from - 1);
            }
            if (Character.isHighSurrogate(c) && k + 1 < out.length() && Character.isLowSurrogate(out.charAt(k + 1))) {
                k++;
            } else if (Character.isSurrogate(c)) {
                throw new AddressException("modified UTF-7 shifted sequence at position " + (from - 1)
                        + " has an unpaired surrogate " + DomainParser.describe(c), from - 1);
            }
        }
    }
}
