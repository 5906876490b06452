package io.yubin.mailauth.dkim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a message in wire format (lines end in CRLF) once: first the header section, bounded,
 * split into fields; then the body in chunks. Only CRLF ends a line; a bare CR or LF is an
 * ordinary byte.
 */
final class MessageReader {

    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[CHUNK];
    private int start;
    private int end;

    MessageReader(InputStream in) {
        this.in = in;
    }

    /** The header section, or null when it is longer than {@code maxBytes}. */
    List<HeaderField> readHeader(int maxBytes) throws IOException {
        ByteArrayOutputStream section = new ByteArrayOutputStream();
        // RFC 5322 §2.1: the header section ends at the first empty line; the body follows it
        boolean lineStart = true;
        boolean cr = false;
        boolean crAtLineStart = false;
        while (start < end || fill()) {
            int i = start;
            boolean found = false;
            while (i < end) {
                byte b = buffer[i++];
                if (crAtLineStart && b == '\n') {
                    found = true;
                    break;
                }
                crAtLineStart = lineStart && b == '\r';
                lineStart = cr && b == '\n';
                cr = b == '\r';
            }
            section.write(buffer, start, i - start);
            start = i;
            if (found) {
                byte[] bytes = section.toByteArray();
                return bytes.length - 2 > maxBytes ? null : fields(Arrays.copyOf(bytes, bytes.length - 2));
            }
            if (section.size() > maxBytes) {
                return null;
            }
        }
        // no empty line: the whole message is its header section, and the body is empty
        return fields(section.toByteArray());
    }

    /** Reads the next chunk of the body into {@code target}; -1 at its end. */
    int readBody(byte[] target) throws IOException {
        if (start < end) {
            int n = Math.min(target.length, end - start);
            System.arraycopy(buffer, start, target, 0, n);
            start += n;
            return n;
        }
        return in.read(target);
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer);
        if (n <= 0) {
            return false;
        }
        start = 0;
        end = n;
        return true;
    }

    /** Splits a header section into fields; a line starting with WSP continues the field before it. */
    static List<HeaderField> fields(byte[] section) {
        List<HeaderField> fields = new ArrayList<>();
        int fieldStart = 0;
        for (int i = 0; i < section.length; i = lineEnd(section, i)) {
            if (i > fieldStart && !HeaderField.isWsp(section[i])) {
                fields.add(new HeaderField(Arrays.copyOfRange(section, fieldStart, i)));
                fieldStart = i;
            }
        }
        if (fieldStart < section.length) {
            fields.add(new HeaderField(Arrays.copyOfRange(section, fieldStart, section.length)));
        }
        return fields;
    }

    /** The index just after the CRLF ending the line that starts at {@code from}, or the length. */
    private static int lineEnd(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i + 2;
            }
        }
        return b.length;
    }
}
