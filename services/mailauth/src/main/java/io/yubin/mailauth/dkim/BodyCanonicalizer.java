package io.yubin.mailauth.dkim;

/**
 * Canonicalizes a body as it streams by (RFC 6376 §3.4.3 simple, §3.4.4 relaxed), holding back
 * only what the rules may still drop: empty lines that might be trailing, a WSP run that might end
 * a line, a CR that might start a CRLF.
 */
final class BodyCanonicalizer {

    /** Receives the canonical body. */
    interface Sink {
        void write(byte[] bytes, int offset, int length);
    }

    private final boolean relaxed;
    private final Sink sink;
    private final byte[] out = new byte[16 * 1024];
    private int outLength;
    private long length;
    private long heldEmptyLines;
    private boolean lineHasContent;
    private boolean heldCr;
    private boolean heldWsp;

    BodyCanonicalizer(boolean relaxed, Sink sink) {
        this.relaxed = relaxed;
        this.sink = sink;
    }

    void update(byte[] bytes, int offset, int count) {
        for (int i = offset, end = offset + count; i < end; i++) {
            byte b = bytes[i];
            if (heldCr) {
                heldCr = false;
                if (b == '\n') {
                    endOfLine();
                    continue;
                }
                content((byte) '\r');
            }
            if (b == '\r') {
                heldCr = true;
            } else if (relaxed && (b == ' ' || b == '\t')) {
                heldWsp = true;
            } else {
                content(b);
            }
        }
    }

    /** Ends the body; returns the length of the canonical body. */
    long finish() {
        if (heldCr) {
            heldCr = false;
            content((byte) '\r');
        }
        if (heldWsp) {
            // a last line without CRLF keeps its (reduced) trailing WSP, as dkimpy and OpenDKIM read §3.4.4
            flushHeldLines();
            emit((byte) ' ');
            heldWsp = false;
            lineHasContent = true;
        }
        if (lineHasContent) {
            // §3.4.3, §3.4.4: a body that does not end in CRLF gets one
            emit((byte) '\r');
            emit((byte) '\n');
        } else if (!relaxed && length == 0) {
            // §3.4.3: an empty body (or one of empty lines only) is a single CRLF; relaxed leaves it empty
            emit((byte) '\r');
            emit((byte) '\n');
        }
        flush();
        return length;
    }

    private void endOfLine() {
        heldWsp = false; // §3.4.4: WSP at the end of a line is ignored
        if (lineHasContent) {
            emit((byte) '\r');
            emit((byte) '\n');
            lineHasContent = false;
        } else {
            heldEmptyLines++; // §3.4.3: empty lines at the end of the body are ignored
        }
    }

    private void content(byte b) {
        flushHeldLines();
        if (heldWsp) {
            emit((byte) ' '); // §3.4.4: a WSP run inside a line becomes one SP
            heldWsp = false;
        }
        emit(b);
        lineHasContent = true;
    }

    private void flushHeldLines() {
        for (; heldEmptyLines > 0; heldEmptyLines--) {
            emit((byte) '\r');
            emit((byte) '\n');
        }
    }

    private void emit(byte b) {
        if (outLength == out.length) {
            flush();
        }
        out[outLength++] = b;
        length++;
    }

    private void flush() {
        if (outLength > 0) {
            sink.write(out, 0, outLength);
            outLength = 0;
        }
    }
}
