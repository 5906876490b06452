package io.yubin.smtp;

import java.nio.charset.StandardCharsets;

/**
 * One SMTP reply (RFC 5321 §4.2) with its enhanced status code (RFC 3463, RFC 2034). A text with
 * several lines ({@code \n}-separated) renders as a multi-line reply.
 *
 * @param code the three-digit reply code
 * @param enhanced the enhanced status code such as {@code 2.1.0}, or null (greeting, 334 challenges)
 * @param text the human-readable text
 */
public record SmtpReply(int code, String enhanced, String text) {

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        text = text == null ? "" : text;
    }

    public boolean isPositive() {
        return code < 400;
    }

    /** The wire form, every line ending in CRLF. */
    public String render() {
        String[] lines = text.split("\n", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            out.append(code).append(i == lines.length - 1 ? ' ' : '-');
            if (enhanced != null) {
                out.append(enhanced).append(' ');
            }
            out.append(lines[i]).append("\r\n");
        }
        return out.toString();
    }

    public byte[] bytes() {
        return render().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return render().strip();
    }
}
