package io.yubin.smtp;

import io.vertx.core.buffer.Buffer;

/**
 * The bytes a client sent and not yet consumed, cut into CRLF-terminated lines or taken raw (BDAT).
 * Only CRLF ends a line (RFC 5321 §2.3.8); a bare CR or LF is kept inside the line and reported,
 * so that {@code <LF>.<LF>} can never end DATA (SMTP smuggling). A line keeps at most
 * {@code maxLineLength - 2} octets; longer ones are reported as too long and their excess dropped.
 * Holds no socket: the connection feeds it and decides what to do with what comes out.
 */
final class LineFramer {

    enum Problem { NONE, BARE_CR, BARE_LF, TOO_LONG }

    /** One line without its CRLF. */
    record Line(byte[] bytes, Problem problem) implements SmtpConnection.Input {

        boolean isDot() {
            return problem == Problem.NONE && bytes.length == 1 && bytes[0] == '.';
        }
    }

    private final byte[] line;
    private int lineLength;
    private Problem problem = Problem.NONE;
    private boolean pendingCr;

    private byte[] input = new byte[0];
    private int start;
    private int end;

    LineFramer(int maxLineLength) {
        this.line = new byte[maxLineLength - 2];
    }

    void feed(Buffer data) {
        int n = data.length();
        if (end + n > input.length) {
            int live = end - start;
            byte[] grown = live + n > input.length ? new byte[Math.max(live + n, input.length * 2)] : input;
            System.arraycopy(input, start, grown, 0, live);
            input = grown;
            start = 0;
            end = live;
        }
        data.getBytes(0, n, input, end);
        end += n;
    }

    /** Octets received and not consumed (a partial line counts as consumed). */
    int available() {
        return end - start;
    }

    /** Drops everything received and not consumed, and any partial line (STARTTLS, RFC 3207 §4.2). */
    void discard() {
        start = 0;
        end = 0;
        resetLine();
        if (input.length > 64 * 1024) {
            input = new byte[0];
        }
    }

    /** The next complete line, or null when more input is needed. */
    Line nextLine() {
        while (start < end) {
            byte b = input[start++];
            if (pendingCr) {
                pendingCr = false;
                if (b == '\n') {
                    Line done = new Line(java.util.Arrays.copyOf(line, lineLength), problem);
                    resetLine();
                    return done;
                }
                mark(Problem.BARE_CR);
                append((byte) '\r');
            }
            if (b == '\r') {
                pendingCr = true;
            } else {
                if (b == '\n') {
                    mark(Problem.BARE_LF);
                }
                append(b);
            }
        }
        return null;
    }

    /** Up to {@code max} raw octets (BDAT chunk data); empty when none are buffered. */
    byte[] take(long max) {
        int n = (int) Math.min(max, end - start);
        byte[] out = java.util.Arrays.copyOfRange(input, start, start + n);
        start += n;
        return out;
    }

    private void append(byte b) {
        if (lineLength < line.length) {
            line[lineLength++] = b;
        } else {
            mark(Problem.TOO_LONG);
        }
    }

    private void mark(Problem p) {
        if (problem == Problem.NONE) {
            problem = p;
        }
    }

    private void resetLine() {
        lineLength = 0;
        problem = Problem.NONE;
        pendingCr = false;
    }
}
