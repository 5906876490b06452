package io.yubin.mailauth.dkim;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One header field exactly as it stands in the message: its name line and continuation lines,
 * with the CRLF that ends it (absent only on a header section cut short by the end of the message).
 *
 * @param raw the field's bytes
 */
record HeaderField(byte[] raw) {

    /** The field name: the bytes before the first colon, without the white space before it. */
    String name() {
        int colon = colon();
        int end = colon < 0 ? 0 : colon;
        while (end > 0 && isWsp(raw[end - 1])) {
            end--;
        }
        return new String(raw, 0, end, StandardCharsets.ISO_8859_1);
    }

    /** True when the name equals {@code other} ignoring ASCII case. */
    boolean hasName(String other) {
        return name().equalsIgnoreCase(other);
    }

    /** The value as text (UTF-8, RFC 6532): everything after the colon, without the final CRLF. */
    String value() {
        int colon = colon();
        int start = colon < 0 ? 0 : colon + 1;
        return new String(raw, start, contentLength() - start, StandardCharsets.UTF_8);
    }

    /** The field's length without its final CRLF. */
    int contentLength() {
        int n = raw.length;
        return n >= 2 && raw[n - 2] == '\r' && raw[n - 1] == '\n' ? n - 2 : n;
    }

    int colon() {
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == ':') {
                return i;
            }
        }
        return -1;
    }

    static boolean isWsp(byte b) {
        return b == ' ' || b == '\t';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderField other && Arrays.equals(raw, other.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return new String(raw, StandardCharsets.ISO_8859_1);
    }
}
