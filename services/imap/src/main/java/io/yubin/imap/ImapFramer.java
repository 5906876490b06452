package io.yubin.imap;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the client's bytes into whole commands (RFC 9051 §2.2): a command is one or more lines, each
 * but the last ending in a literal announcement {@code {n}}, {@code {n+}} (RFC 7888) or
 * {@code ~{n}} (literal8, RFC 3516), followed by n octets. No socket: fed bytes, it returns events.
 *
 * <p>Limits (docs/architecture.md §4.6): a line longer than {@code maxLine} is refused once its end
 * arrives (its octets are dropped meanwhile); a literal longer than what the command may carry is
 * refused before a single octet of it is read: a synchronizing one is answered NO and never
 * continued, a non-synchronizing one cannot be refused without reading it, so the connection ends.
 *
 * <p>An APPEND message literal of at least {@code streamFrom} octets is not collected: its octets
 * are handed on as {@link LiteralData} as they arrive, between {@link LiteralStart} and the
 * {@link Command}, whose segment for it is empty and named by {@link Command#streamedSegment()}.
 */
final class ImapFramer {

    /** What feeding produced, in order. */
    sealed interface Event {
    }

    /**
     * A whole command: text segments and literal octets, alternating, starting and ending with text.
     *
     * @param streamedSegment the index of the (empty) segment of a streamed literal, or -1
     * @param literal where the streamed literal's octets went (set by the connection), or null
     */
    record Command(List<byte[]> segments, int streamedSegment, AppendLiteral literal) implements Event {
        Command(List<byte[]> segments) {
            this(segments, -1, null);
        }

        Command withLiteral(AppendLiteral spooled) {
            return new Command(segments, streamedSegment, spooled);
        }
    }

    /** A streamed literal of this size starts (after its continuation request, if synchronizing). */
    record LiteralStart(long size) implements Event {
    }

    /** Octets of the streamed literal, in order; {@code octets} is not changed afterwards. */
    record LiteralData(byte[] octets, int offset, int length) implements Event {
    }

    /** A synchronizing literal of this size is announced: send a continuation request. */
    record Continue(long size) implements Event {
    }

    /** The command was refused (line too long, literal too big); {@code tag} may be null. */
    record Refused(String tag, String response, boolean close) implements Event {
    }

    private final int maxLine;
    private final long maxCommand;
    private final long maxAppend;
    private final long streamFrom;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final List<byte[]> segments = new ArrayList<>();
    private long commandOctets;
    private boolean discardingLine;
    private boolean sawCr;
    /** Octets of the literal being read, or -1 between literals. */
    private long literalRemaining = -1;
    private ByteArrayOutputStream literal;
    /** Whether the literal being read is streamed (handed on, not collected). */
    private boolean streaming;
    private int streamedSegment = -1;
    /** A refused non-synchronizing literal is read and dropped; then the connection ends. */
    private boolean closing;

    /**
     * @param maxLine the longest line, CRLF included
     * @param maxCommand the most octets one command other than APPEND may carry, literals included
     * @param maxAppend the largest APPEND message literal
     * @param streamFrom APPEND literals of at least this size are streamed
     */
    ImapFramer(int maxLine, long maxCommand, long maxAppend, long streamFrom) {
        this.maxLine = maxLine;
        this.maxCommand = maxCommand;
        this.maxAppend = maxAppend;
        this.streamFrom = streamFrom;
    }

    ImapFramer(int maxLine, long maxCommand, long maxAppend) {
        this(maxLine, maxCommand, maxAppend, Long.MAX_VALUE);
    }

    List<Event> feed(byte[] data) {
        List<Event> out = new ArrayList<>();
        int i = 0;
        while (i < data.length && !closing) {
            if (literalRemaining >= 0) {
                int n = (int) Math.min(literalRemaining, data.length - i);
                if (streaming) {
                    out.add(new LiteralData(data, i, n));
                } else {
                    literal.write(data, i, n);
                }
                literalRemaining -= n;
                i += n;
                if (literalRemaining == 0) {
                    if (streaming) {
                        streamedSegment = segments.size();
                        segments.add(new byte[0]);
                        streaming = false;
                    } else {
                        segments.add(literal.toByteArray());
                    }
                    literal = null;
                    literalRemaining = -1;
                }
                continue;
            }
            byte b = data[i++];
            if (b == '\n' && sawCr) {
                sawCr = false;
                endOfLine(out);
                continue;
            }
            if (sawCr) {
                // A bare CR inside a line is kept as data; the parser refuses it.
                append((byte) '\r');
            }
            sawCr = b == '\r';
            if (!sawCr) {
                append(b);
            }
        }
        return out;
    }

    private void append(byte b) {
        if (discardingLine) {
            return;
        }
        if (line.size() + 2 > maxLine) {
            discardingLine = true;
            return;
        }
        line.write(b);
    }

    private void endOfLine(List<Event> out) {
        byte[] text = line.toByteArray();
        line.reset();
        if (discardingLine) {
            discardingLine = false;
            String tag = segments.isEmpty() ? tagOf(text) : tagOf(segments.get(0));
            segments.clear();
            commandOctets = 0;
            streamedSegment = -1;
            out.add(new Refused(tag, "BAD [TOOBIG] Command line too long (at most " + maxLine + " octets)", false));
            return;
        }
        segments.add(text);
        commandOctets += text.length + 2;
        Literal announced = literalAt(text);
        if (announced == null) {
            out.add(new Command(List.copyOf(segments), streamedSegment, null));
            segments.clear();
            commandOctets = 0;
            streamedSegment = -1;
            return;
        }
        // One message per APPEND: after a streamed literal, the command's other limit applies.
        boolean append = isAppend(segments.get(0)) && streamedSegment < 0;
        long limit = append ? maxAppend : maxCommand - commandOctets;
        if (announced.size() > limit) {
            String tag = tagOf(segments.get(0));
            segments.clear();
            commandOctets = 0;
            streamedSegment = -1;
            if (announced.synchronizing()) {
                // RFC 7889 §3 / RFC 9051 §7.1: refuse before the client sends the octets.
                out.add(new Refused(tag, (append ? "NO [TOOBIG] Message larger than APPENDLIMIT " + maxAppend
                        : "NO [TOOBIG] Literal too large") , false));
            } else {
                // RFC 7888 §4: the octets follow regardless; the only safe answer is to end the session.
                out.add(new Refused(tag, "BAD [TOOBIG] Non-synchronizing literal too large", true));
                closing = true;
            }
            return;
        }
        if (announced.synchronizing()) {
            out.add(new Continue(announced.size()));
        }
        commandOctets += announced.size();
        literalRemaining = announced.size();
        if (append && announced.size() >= streamFrom) {
            streaming = true;
            out.add(new LiteralStart(announced.size()));
            return;
        }
        literal = new ByteArrayOutputStream((int) Math.min(announced.size(), 64 * 1024));
        if (announced.size() == 0) {
            segments.add(new byte[0]);
            literal = null;
            literalRemaining = -1;
        }
    }

    /** Whether nothing of a next command has arrived: no partial line, no literal being read. */
    boolean atCommandStart() {
        return line.size() == 0 && segments.isEmpty() && literalRemaining < 0 && !sawCr && !discardingLine;
    }

    /** Resets after STARTTLS (RFC 9051 §6.2.1: nothing sent before the handshake counts). */
    void reset() {
        line.reset();
        segments.clear();
        commandOctets = 0;
        discardingLine = false;
        sawCr = false;
        literalRemaining = -1;
        literal = null;
        streaming = false;
        streamedSegment = -1;
    }

    record Literal(long size, boolean synchronizing) {
    }

    /** The literal announced at the end of a line, or null. {@code {n}}, {@code {n+}}, {@code ~{n}}. */
    static Literal literalAt(byte[] text) {
        int end = text.length - 1;
        if (end < 2 || text[end] != '}') {
            return null;
        }
        boolean plus = text[end - 1] == '+';
        int digitsEnd = plus ? end - 1 : end;
        int i = digitsEnd - 1;
        while (i >= 0 && text[i] >= '0' && text[i] <= '9') {
            i--;
        }
        if (i < 0 || text[i] != '{' || i == digitsEnd - 1 || digitsEnd - 1 - i > 12) {
            return null;
        }
        long size = 0;
        for (int k = i + 1; k < digitsEnd; k++) {
            size = size * 10 + (text[k] - '0');
        }
        return new Literal(size, !plus);
    }

    static String tagOf(byte[] firstLine) {
        int sp = 0;
        while (sp < firstLine.length && firstLine[sp] != ' ') {
            sp++;
        }
        if (sp == 0 || sp > 64) {
            return null;
        }
        String tag = new String(firstLine, 0, sp, java.nio.charset.StandardCharsets.US_ASCII);
        return ImapParser.isTag(tag) ? tag : null;
    }

    /** Whether the command is APPEND (or UID-less forms thereof), whose literal may be a whole message. */
    private static boolean isAppend(byte[] firstLine) {
        String s = new String(firstLine, 0, Math.min(firstLine.length, 80), java.nio.charset.StandardCharsets.US_ASCII);
        int sp = s.indexOf(' ');
        if (sp < 0) {
            return false;
        }
        String rest = s.substring(sp + 1);
        return rest.regionMatches(true, 0, "APPEND ", 0, 7);
    }
}
