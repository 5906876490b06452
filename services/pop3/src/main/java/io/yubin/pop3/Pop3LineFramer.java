package io.yubin.pop3;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits client input into lines, bounded. A line ends at LF; a CR before it is dropped (RFC 1939
 * §3 asks for CRLF; a bare LF from a sloppy client is taken as the end of the line too, as POP3 has
 * no client data phase that could be smuggled into). A line longer than {@link #maxLine} is not
 * kept: its octets are counted and dropped until its end and it comes out as {@link Line.TooLong}.
 * If the client keeps sending far past that without a line end, {@link Line.Flood} asks the
 * connection to close.
 */
final class Pop3LineFramer {

    /** What one line of input turned out to be. */
    sealed interface Line {
        /** A complete line, without its line end. */
        record Text(byte[] octets) implements Line {
        }

        /** A line over the limit, dropped. */
        record TooLong() implements Line {
        }

        /** Far too much input without a line end: the connection should close. */
        record Flood() implements Line {
        }
    }

    private final int maxLine;
    private final long maxDiscard;
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private long discarded = -1;

    /**
     * @param maxLine the longest line kept, without its line end
     * @param maxDiscard how many octets of one over-long line are dropped before {@link Line.Flood}
     */
    Pop3LineFramer(int maxLine, long maxDiscard) {
        this.maxLine = maxLine;
        this.maxDiscard = maxDiscard;
    }

    /** The lines completed by {@code chunk}; after a {@link Line.Flood} nothing more. */
    List<Line> feed(byte[] chunk) {
        List<Line> lines = new ArrayList<>();
        for (byte b : chunk) {
            if (b == '\n') {
                if (discarded >= 0) {
                    discarded = -1;
                    lines.add(new Line.TooLong());
                } else {
                    byte[] octets = current.toByteArray();
                    int length = octets.length > 0 && octets[octets.length - 1] == '\r' ? octets.length - 1 : octets.length;
                    lines.add(new Line.Text(java.util.Arrays.copyOf(octets, length)));
                }
                current.reset();
            } else if (discarded >= 0) {
                if (++discarded > maxDiscard) {
                    lines.add(new Line.Flood());
                    return lines;
                }
            } else {
                current.write(b);
                // One more than the limit, for the CR that may precede the LF.
                if (current.size() > maxLine + 1) {
                    discarded = current.size();
                    current.reset();
                }
            }
        }
        return lines;
    }

    /** Drops any partial line (RFC 2595 §4: input pipelined before STLS is discarded). */
    void reset() {
        current.reset();
        discarded = -1;
    }
}
