package io.yubin.delivery.remote;

import java.io.ByteArrayOutputStream;

/**
 * Prepares a message for DATA (RFC 5321 §4.5.2): a line starting with "." gets one more, and the end
 * is marked by CRLF "." CRLF, with a CRLF first when the content does not end with one. Chunks may
 * split lines anywhere; the stuffer remembers whether the next octet starts a line.
 */
public final class DotStuffer {

    private boolean lineStart = true;
    private int last = -1;

    /** The chunk as it goes on the wire. */
    public byte[] stuff(byte[] chunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(chunk.length + 16);
        for (byte b : chunk) {
            if (lineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            lineStart = b == '\n' && last == '\r';
            last = b;
        }
        return out.toByteArray();
    }

    /** The end-of-data mark, after the last chunk. */
    public byte[] finish() {
        return lineStart ? new byte[] {'.', '\r', '\n'} : new byte[] {'\r', '\n', '.', '\r', '\n'};
    }
}
