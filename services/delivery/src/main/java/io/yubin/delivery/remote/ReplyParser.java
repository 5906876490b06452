package io.yubin.delivery.remote;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles replies from the lines a server sends (RFC 5321 §4.2): {@code 250-first}, ...,
 * {@code 250 last}; a bare {@code 250} is a one-line reply with empty text. Every line of a reply
 * carries the same code. A plain function of its input, apart from the lines of the reply in progress.
 */
public final class ReplyParser {

    /** More lines than any real EHLO reply has; a peer sending endless continuations is cut off. */
    public static final int MAX_LINES = 200;

    private int code = -1;
    private final List<String> lines = new ArrayList<>();

    /**
     * Takes one line without its CRLF; returns the reply it completes, or null when more lines follow.
     *
     * @throws SmtpProtocolException when the line is not a reply line or its code differs from the
     *     reply's first line
     */
    public RemoteReply feed(String line) {
        if (line.length() < 3 || !digit(line.charAt(0), '2', '5') || !digit(line.charAt(1), '0', '9')
                || !digit(line.charAt(2), '0', '9')) {
            throw new SmtpProtocolException("not an SMTP reply line: " + printable(line));
        }
        int lineCode = Integer.parseInt(line.substring(0, 3));
        boolean last;
        if (line.length() == 3) {
            last = true;
        } else if (line.charAt(3) == ' ') {
            last = true;
        } else if (line.charAt(3) == '-') {
            last = false;
        } else {
            throw new SmtpProtocolException("not an SMTP reply line: " + printable(line));
        }
        if (code != -1 && lineCode != code) {
            throw new SmtpProtocolException("reply line with code " + lineCode + " inside a " + code + " reply");
        }
        if (lines.size() >= MAX_LINES) {
            throw new SmtpProtocolException("a reply of more than " + MAX_LINES + " lines");
        }
        code = lineCode;
        lines.add(line.length() > 4 ? line.substring(4) : "");
        if (!last) {
            return null;
        }
        RemoteReply reply = new RemoteReply(code, lines);
        code = -1;
        lines.clear();
        return reply;
    }

    /** Decodes a line as the server sent it: UTF-8 (RFC 6531 lets replies carry it), malformed octets replaced. */
    public static String decode(byte[] line) {
        return new String(line, StandardCharsets.UTF_8);
    }

    private static boolean digit(char c, char low, char high) {
        return c >= low && c <= high;
    }

    private static String printable(String line) {
        String cut = line.length() > 80 ? line.substring(0, 80) + "..." : line;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
