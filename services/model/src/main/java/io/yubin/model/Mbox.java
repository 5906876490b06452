package io.yubin.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
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
     * The messages of an mbox as they stand in the file (LF line endings, the separating empty line
     * kept), the From lines removed and the {@code >From} quoting undone.
     */
    public static List<byte[]> split(byte[] box) {
        return read(box, false).stream().map(Message::content).toList();
    }

    /** The messages of an mbox as a mail store keeps them: CRLF line endings, without the separator line. */
    public static List<Message> messages(byte[] box) {
        return read(box, true);
    }

    private static List<Message> read(byte[] box, boolean stored) {
        List<Message> messages = new ArrayList<>();
        ByteArrayOutputStream current = null;
        Instant date = null;
        int line = 0;
        while (line < box.length) {
            int end = indexOf(box, (byte) '\n', line);
            int next = end < 0 ? box.length : end + 1;
            if (startsWithFrom(box, line)) {
                if (current != null) {
                    messages.add(finish(current.toByteArray(), date, stored));
                }
                current = new ByteArrayOutputStream();
                date = fromLineDate(new String(box, line, next - line, StandardCharsets.ISO_8859_1));
            } else if (current != null) {
                int start = line;
                if (box[line] == '>') {
                    int k = line;
                    while (k < next && box[k] == '>') {
                        k++;
                    }
                    if (startsWithFrom(box, k)) {
                        start = line + 1;
                    }
                }
                current.write(box, start, next - start);
            }
            line = next;
        }
        if (current != null) {
            messages.add(finish(current.toByteArray(), date, stored));
        }
        return messages;
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
        for (int i = from; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
