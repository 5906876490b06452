package io.yubin.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Builds the one message every transaction sends, once, before the run: an RFC 5322 message of an
 * exact size with CRLF line ends, and its DATA wire form (dot-stuffed, with the end-of-data line).
 */
final class MessageBuilder {

    /** The longest line the builder writes, CRLF included; well under RFC 5322 §2.1.1's 78 + CRLF. */
    static final int LINE_LENGTH = 78;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final String FILL =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 The quick brown fox jumps over the lazy dog.";

    private MessageBuilder() {
    }

    /**
     * The message, exactly {@code size} octets including headers and every CRLF. Its first body
     * line begins with a dot so that the server's dot-unstuffing is exercised. There is no
     * Message-ID: the same bytes go out in every transaction, and an MX does not need one.
     */
    static byte[] message(int size, String from, String to, String date) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        line(out, "From: SMTP load generator <" + from + ">");
        line(out, "To: <" + to + ">");
        line(out, "Subject: bench message of " + size + " octets");
        line(out, "Date: " + date);
        line(out, "MIME-Version: 1.0");
        line(out, "Content-Type: text/plain; charset=us-ascii");
        out.write(CRLF, 0, 2);
        int remaining = size - out.size();
        if (remaining < 2 + 2) {
            throw new IllegalArgumentException("size " + size + " is smaller than the headers (" + out.size()
                    + " octets) plus one body line");
        }
        boolean first = true;
        int n = 0;
        while (remaining > 0) {
            int length = Math.min(LINE_LENGTH, remaining);
            if (remaining - length == 1) {
                length--; // never leave one octet over: the shortest line is a bare CRLF
            }
            StringBuilder text = new StringBuilder(length);
            if (first) {
                text.append('.');
                first = false;
            }
            while (text.length() < length - 2) {
                text.append(FILL.charAt(n++ % FILL.length()));
            }
            line(out, text.toString());
            remaining -= length;
        }
        return out.toByteArray();
    }

    /**
     * The DATA wire form of a message that ends with CRLF: a dot doubled at the start of every line
     * and the end-of-data line {@code .CRLF} appended (RFC 5321 §4.5.2).
     */
    static byte[] dotStuffed(byte[] message) {
        if (message.length < 2 || message[message.length - 2] != '\r' || message[message.length - 1] != '\n') {
            throw new IllegalArgumentException("a message must end with CRLF");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 64);
        boolean lineStart = true;
        for (byte b : message) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n';
        }
        out.write('.');
        out.write(CRLF, 0, 2);
        return out.toByteArray();
    }

    private static void line(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        out.write(bytes, 0, bytes.length);
        out.write(CRLF, 0, 2);
    }
}
