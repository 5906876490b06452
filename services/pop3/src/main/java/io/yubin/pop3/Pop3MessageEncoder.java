package io.yubin.pop3;

import java.io.ByteArrayOutputStream;

/**
 * Turns a stored message, fed in chunks, into the lines of a RETR or TOP answer (RFC 1939 §3):
 * every line that starts with "." gets one more (byte-stuffing), and {@link #finish()} ends the
 * answer with the terminating ".". Stored messages end lines with CRLF; one whose last line has no
 * line end gets a CRLF before the terminator, which is framing, not message content, and so is not
 * counted in LIST or STAT. For TOP it stops after the header, the blank line and the requested
 * number of body lines.
 */
final class Pop3MessageEncoder {

    private static final byte[] TERMINATOR = {'.', '\r', '\n'};
    private static final byte[] CRLF_TERMINATOR = {'\r', '\n', '.', '\r', '\n'};

    /** Body lines still to send after the header, or -1 for all (RETR). */
    private long bodyLinesLeft;
    private boolean inHeader;
    private boolean atLineStart = true;
    /** Whether the current line so far is empty (the blank line that ends the header). */
    private boolean lineEmpty = true;
    private boolean done;

    /** @param topLines the TOP line count, or -1 for the whole message */
    Pop3MessageEncoder(long topLines) {
        this.bodyLinesLeft = topLines;
        this.inHeader = topLines >= 0;
    }

    /** Whether TOP has all it asked for; the rest of the message need not be read. */
    boolean done() {
        return done;
    }

    /** The stuffed octets for {@code length} octets of {@code chunk}; nothing once {@link #done()}. */
    byte[] encode(byte[] chunk, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + length / 64 + 8);
        for (int i = 0; i < length && !done; i++) {
            byte b = chunk[i];
            if (atLineStart && b == '.') {
                out.write('.');
            }
            out.write(b);
            if (b == '\n') {
                endOfLine();
            } else {
                atLineStart = false;
                if (b != '\r') {
                    lineEmpty = false;
                }
            }
        }
        return out.toByteArray();
    }

    private void endOfLine() {
        if (inHeader) {
            if (lineEmpty) {
                inHeader = false;
                done = bodyLinesLeft == 0;
            }
        } else if (bodyLinesLeft > 0) {
            done = --bodyLinesLeft == 0;
        }
        atLineStart = true;
        lineEmpty = true;
    }

    /** The end of the answer: a CRLF when the last line had none, then ".CRLF". */
    byte[] finish() {
        return atLineStart ? TERMINATOR.clone() : CRLF_TERMINATOR.clone();
    }
}
