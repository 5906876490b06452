package io.yubin.model;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The mbox format in its mboxrd variant (RFC 4155 and the qmail mboxrd convention): each message starts
 * with a {@code From } line (sender, then the date in {@code asctime} form) and is followed by an empty
 * line; a body line matching {@code >*From } gets one more {@code >} when written and loses one when
 * read. Lines end in LF in the file and in CRLF in a stored message.
 */
public final class Mbox {

    /** {@code Thu Jan  1 00:00:00 2026}: asctime, day of month padded with a space. */
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy",
            Locale.ROOT);

    /** A message read from an mbox, CRLF line endings, and the date of its From line when it had one. */
    public record Message(byte[] content, Instant date) {
    }

    private Mbox() {
    }

    /**
     * Reads the messages of an mbox one at a time as a mail store keeps them: CRLF line endings, without
     * the separating empty line, the From lines removed and the {@code >From} quoting undone.
     */
    public static Reader reader(InputStream in) {
        return new Reader(in, true);
    }

    /**
     * Reads the messages of an mbox one at a time as they stand in the file (LF line endings, the
     * separating empty line kept), the From lines removed and the {@code >From} quoting undone.
     */
    public static Reader readerAsInFile(InputStream in) {
        return new Reader(in, false);
    }

    /**
     * An mbox read one message at a time from a stream: a file of any size takes the memory of its
     * largest message only. Lines before the first From line are no message's and are skipped.
     */
    public static final class Reader implements Closeable {
        private static final int CHUNK = 64 * 1024;

        private final InputStream in;
        private final boolean stored;
        private final byte[] buffer = new byte[CHUNK];
        private int position;
        private int limit;
        private boolean ended;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private ByteArrayOutputStream current;
        private Instant date;

        private Reader(InputStream in, boolean stored) {
            this.in = in;
            this.stored = stored;
        }

        /** The next message, or null after the last. */
        public Message next() throws IOException {
            while (readLine()) {
                byte[] b = line.toByteArray();
                if (startsWithFrom(b, 0)) {
                    Message done = current == null ? null : finish(current.toByteArray(), date, stored);
                    current = new ByteArrayOutputStream();
                    date = fromLineDate(new String(b, StandardCharsets.ISO_8859_1));
                    if (done != null) {
                        return done;
                    }
                } else if (current != null) {
                    int k = 0;
                    while (k < b.length && b[k] == '>') {
                        k++;
                    }
                    int start = k > 0 && startsWithFrom(b, k) ? 1 : 0;
                    current.write(b, start, b.length - start);
                }
            }
            Message last = current == null ? null : finish(current.toByteArray(), date, stored);
            current = null;
            return last;
        }

        /** The next line with its LF, if it has one, into {@link #line}; false at the end of the stream. */
        private boolean readLine() throws IOException {
            line.reset();
            while (true) {
                if (position == limit) {
                    if (ended) {
                        return line.size() > 0;
                    }
                    limit = in.read(buffer);
                    position = 0;
                    if (limit < 0) {
                        limit = 0;
                        ended = true;
                        continue;
                    }
                }
                int end = indexOf(buffer, (byte) '\n', position, limit);
                int next = end < 0 ? limit : end + 1;
                line.write(buffer, position, next - position);
                position = next;
                if (end >= 0) {
                    return true;
                }
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private static Message finish(byte[] raw, Instant date, boolean stored) {
        if (!stored) {
            return new Message(raw, date);
        }
        int length = raw.length;
        // The empty line that separates it from the next message is the file's, not the message's.
        if (length >= 2 && raw[length - 1] == '\n' && raw[length - 2] == '\n') {
            length--;
        } else if (length >= 4 && raw[length - 1] == '\n' && raw[length - 2] == '\r' && raw[length - 3] == '\n') {
            length -= 2;
        }
        return new Message(LineEndings.crlf(raw, length), date);
    }

    /** A message file that may begin with an mbox From line, without it. */
    public static byte[] withoutFromLine(byte[] message) {
        if (!startsWithFrom(message, 0)) {
            return message;
        }
        int end = indexOf(message, (byte) '\n', 0);
        return end < 0 ? new byte[0] : java.util.Arrays.copyOfRange(message, end + 1, message.length);
    }

    /** The date at the end of a From line ({@code From sender Thu Jan  1 00:00:00 2026}), taken as UTC. */
    static Instant fromLineDate(String fromLine) {
        String line = fromLine.strip();
        int first = line.indexOf(' ');
        int second = first < 0 ? -1 : line.indexOf(' ', first + 1);
        if (second < 0) {
            return null;
        }
        String date = line.substring(second + 1).strip();
        try {
            return LocalDateTime.parse(date, ASCTIME).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Writes one stored message (CRLF or LF line endings) as an mbox entry: its From line, its lines
     * with LF endings and {@code >From} quoting, and the separating empty line.
     */
    public static void write(OutputStream out, byte[] message, String sender, Instant date) throws IOException {
        String from = "From " + (sender == null || sender.isBlank() ? "MAILER-DAEMON" : sender) + " "
                + ASCTIME.format(LocalDateTime.ofInstant(date, ZoneOffset.UTC)) + "\n";
        out.write(from.getBytes(StandardCharsets.US_ASCII));
        int line = 0;
        while (line < message.length) {
            int end = indexOf(message, (byte) '\n', line);
            int next = end < 0 ? message.length : end + 1;
            int contentEnd = end < 0 ? message.length : end;
            if (contentEnd > line && message[contentEnd - 1] == '\r') {
                contentEnd--;
            }
            int k = line;
            while (k < contentEnd && message[k] == '>') {
                k++;
            }
            if (startsWithFrom(message, k) && k + 5 <= contentEnd) {
                out.write('>');
            }
            out.write(message, line, contentEnd - line);
            out.write('\n');
            line = next;
        }
        out.write('\n');
    }

    private static boolean startsWithFrom(byte[] b, int at) {
        return at + 5 <= b.length && b[at] == 'F' && b[at + 1] == 'r' && b[at + 2] == 'o' && b[at + 3] == 'm'
                && b[at + 4] == ' ';
    }

    private static int indexOf(byte[] b, byte value, int from) {
        return indexOf(b, value, from, b.length);
    }

    private static int indexOf(byte[] b, byte value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
