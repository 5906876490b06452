package io.yubin.bench.imap;

import java.util.List;

/**
 * One server response as read off the wire: its lines without CRLF, and the literal that follows
 * every line but the last (each such line ends with {@code {n}}). RFC 9051 §4.3: a literal's
 * octets follow the CRLF after {@code {n}}, and the response continues on the line after them.
 */
record RawResponse(List<String> lines, List<byte[]> literals) {

    RawResponse {
        if (lines.size() != literals.size() + 1) {
            throw new IllegalArgumentException(lines.size() + " lines for " + literals.size() + " literals");
        }
    }

    static RawResponse line(String line) {
        return new RawResponse(List.of(line), List.of());
    }

    /** The response for a report: literals shown as their size, at most {@code max} characters. */
    String display(int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            b.append(lines.get(i));
            if (i < literals.size()) {
                b.append("<").append(literals.get(i).length).append(" octets>");
            }
            if (b.length() > max) {
                b.setLength(max);
                return b.append("...").toString();
            }
        }
        return b.toString();
    }
}
