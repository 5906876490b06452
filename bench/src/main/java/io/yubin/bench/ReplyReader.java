package io.yubin.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SMTP replies (RFC 5321 §4.2) incrementally from whatever bytes arrived: a reply is
 * complete at its last line, {@code "250 text"}, after any number of {@code "250-text"} lines.
 * The text is kept only while {@link #captureText} is on (greeting and EHLO); in the
 * transaction loop only the code is read, so a reply costs no allocation.
 */
final class ReplyReader {

    /** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including CRLF. Leave room for sloppy servers. */
    static final int MAX_LINE = 2048;

    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    private int multilineCode = -1;
    private boolean captureText;
    private final List<String> text = new ArrayList<>();

    /** Keep the text of the following replies (each line without code and separator). */
    void captureText(boolean on) {
        captureText = on;
    }

    /** The text lines of the last complete reply, while {@link #captureText} is on. */
    List<String> text() {
        return text;
    }

    /**
     * Consumes bytes from {@code in} up to the end of the next complete reply.
     *
     * @return the reply code, or -1 when {@code in} ran out first (the partial reply is kept)
     * @throws SmtpProtocolException if a line is malformed or too long
     */
    int next(ByteBuffer in) {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b != '\n') {
                if (lineLength == MAX_LINE) {
                    throw new SmtpProtocolException("reply line longer than " + MAX_LINE + " octets");
                }
                line[lineLength++] = b;
                continue;
            }
            int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
            lineLength = 0;
            int code = endOfLine(length);
            if (code >= 0) {
                return code;
            }
        }
        return -1;
    }

    private int endOfLine(int length) {
        if (length < 3 || !digit(line[0], '2', '5') || !digit(line[1], '0', '5') || !digit(line[2], '0', '9')) {
            throw new SmtpProtocolException("malformed reply line: " + printable(length));
        }
        int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        boolean last;
        if (length == 3 || line[3] == ' ') {
            last = true;
        } else if (line[3] == '-') {
            last = false;
        } else {
            throw new SmtpProtocolException("malformed reply line: " + printable(length));
        }
        if (multilineCode == -1) {
            if (captureText) {
                text.clear();
            }
        } else if (multilineCode != code) {
            throw new SmtpProtocolException("reply code changed within a multiline reply: " + multilineCode
                    + " then " + code);
        }
        if (captureText) {
            text.add(length > 4 ? new String(line, 4, length - 4, StandardCharsets.US_ASCII) : "");
        }
        multilineCode = last ? -1 : code;
        return last ? code : -1;
    }

    private static boolean digit(byte b, char low, char high) {
        return b >= low && b <= high;
    }

    private String printable(int length) {
        return "\"" + new String(line, 0, Math.min(length, 80), StandardCharsets.US_ASCII) + "\"";
    }
}
