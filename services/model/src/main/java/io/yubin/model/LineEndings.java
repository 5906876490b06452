package io.yubin.model;

import java.io.ByteArrayOutputStream;

/** Line endings of stored messages: CRLF, as RFC 5322 and IMAP's sizes (RFC 9051 RFC822.SIZE) count them. */
public final class LineEndings {

    private LineEndings() {
    }

    /** {@code message} with every bare LF made CRLF; the same array when it has none. */
    public static byte[] crlf(byte[] message) {
        return crlf(message, message.length);
    }

    /** As {@link #crlf(byte[])} for the first {@code length} octets. */
    public static byte[] crlf(byte[] message, int length) {
        int bare = 0;
        for (int i = 0; i < length; i++) {
            if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) {
                bare++;
            }
        }
        if (bare == 0) {
            return length == message.length ? message : java.util.Arrays.copyOf(message, length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + bare);
        for (int i = 0; i < length; i++) {
            if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) {
                out.write('\r');
            }
            out.write(message[i]);
        }
        return out.toByteArray();
    }
}
