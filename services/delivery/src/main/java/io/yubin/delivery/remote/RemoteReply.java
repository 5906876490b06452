package io.yubin.delivery.remote;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One reply of a remote SMTP server (RFC 5321 §4.2), possibly of several lines.
 *
 * @param code the three-digit reply code
 * @param lines the text of each line after the code and separator, in order; at least one
 */
public record RemoteReply(int code, List<String> lines) {

    // RFC 3463 §2: class.subject.detail; RFC 2034 §4: the class repeats the reply code's first digit.
    private static final Pattern ENHANCED = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?= |$)");

    public RemoteReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply has at least one line");
        }
    }

    public static RemoteReply of(int code, String text) {
        return new RemoteReply(code, List.of(text));
    }

    /** 2xx. */
    public boolean isPositive() {
        return code / 100 == 2;
    }

    /** 3xx: go on (after DATA). */
    public boolean isIntermediate() {
        return code / 100 == 3;
    }

    /** 4xx: try again later. */
    public boolean isTransient() {
        return code / 100 == 4;
    }

    /** 5xx: do not try again. */
    public boolean isPermanent() {
        return code / 100 == 5;
    }

    /** The enhanced status code of the first line (RFC 3463), or null when it has none that fits the code. */
    public String enhanced() {
        var m = ENHANCED.matcher(lines.get(0));
        return m.find() && m.group(1).charAt(0) - '0' == code / 100 ? m.group() : null;
    }

    /** The reply on one line, as recorded in the spool and in DSNs: {@code 550 5.1.1 text more text}. */
    public String oneLine() {
        StringBuilder sb = new StringBuilder().append(code);
        for (String line : lines) {
            if (!line.isBlank()) {
                sb.append(' ').append(line.strip());
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return oneLine();
    }
}
