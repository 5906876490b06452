package io.yubin.imap.mime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Binary content made storable as IMAP serves it (RFC 3516 §4.3 APPEND of a literal8, RFC 9051 §4.3):
 * a part whose body holds NUL octets is re-encoded as base64, its Content-Transfer-Encoding field
 * replaced, so that BODY[] never needs a NUL in a literal and BINARY[] gives back the very octets
 * that were appended (as Dovecot stores such messages). Everything else is kept octet for octet.
 */
public final class BinaryParts {

    private static final byte[] BASE64_FIELD = "Content-Transfer-Encoding: base64\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};

    private BinaryParts() {
    }

    /** The message with its NUL-bearing parts as base64, or {@code message} itself when none has NULs. */
    public static byte[] toBase64(byte[] message) {
        if (indexOfNul(message, 0, message.length) < 0) {
            return message;
        }
        List<MimePart> binary = new ArrayList<>();
        collect(MimePart.parse(message), message, binary);
        if (binary.isEmpty()) {
            // The NULs are in a header, which no encoding can carry: kept as they are.
            return message;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length * 4 / 3 + 256);
        int at = 0;
        for (MimePart part : binary) {
            out.write(message, at, part.headerStart() - at);
            writeHeaderWithoutEncoding(message, part.headerStart(), part.bodyStart(), out);
            out.writeBytes(BASE64_FIELD);
            out.writeBytes(CRLF);
            byte[] body = new byte[part.end() - part.bodyStart()];
            System.arraycopy(message, part.bodyStart(), body, 0, body.length);
            // 76-character lines (RFC 2045 §6.8); the line break before a boundary belongs to it.
            out.writeBytes(Base64.getMimeEncoder().encode(body));
            if (part.end() == message.length) {
                out.writeBytes(CRLF);
            }
            at = part.end();
        }
        out.write(message, at, message.length - at);
        return out.toByteArray();
    }

    /** The leaf parts, in order, whose bodies hold a NUL octet. */
    private static void collect(MimePart part, byte[] m, List<MimePart> out) {
        if (part.isMultipart() && !part.children().isEmpty()) {
            for (MimePart child : part.children()) {
                collect(child, m, out);
            }
        } else if (part.message() != null) {
            collect(part.message(), m, out);
        } else if (part.bodyStart() > part.headerStart() && indexOfNul(m, part.bodyStart(), part.end()) >= 0) {
            out.add(part);
        }
    }

    /**
     * The header lines of {@code [start, bodyStart)} but the Content-Transfer-Encoding field (with its
     * folded lines) and the empty line that ends the header.
     */
    private static void writeHeaderWithoutEncoding(byte[] m, int start, int bodyStart, ByteArrayOutputStream out) {
        boolean skipping = false;
        int i = start;
        while (i < bodyStart) {
            int lineEnd = i;
            while (lineEnd < bodyStart && m[lineEnd] != '\n') {
                lineEnd++;
            }
            int next = lineEnd < bodyStart ? lineEnd + 1 : bodyStart;
            int textEnd = lineEnd > i && m[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            if (textEnd == i) {
                break;
            }
            boolean continuation = m[i] == ' ' || m[i] == '\t';
            if (!continuation) {
                skipping = startsWithIgnoreCase(m, i, textEnd, "content-transfer-encoding:")
                        || startsWithIgnoreCase(m, i, textEnd, "content-transfer-encoding :");
            }
            if (!skipping) {
                out.write(m, i, textEnd - i);
                out.writeBytes(CRLF);
            }
            i = next;
        }
    }

    private static boolean startsWithIgnoreCase(byte[] m, int from, int to, String prefix) {
        if (to - from < prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (Character.toLowerCase((char) (m[from + k] & 0xff)) != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOfNul(byte[] m, int from, int to) {
        for (int i = from; i < to; i++) {
            if (m[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
