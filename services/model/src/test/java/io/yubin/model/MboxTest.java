package io.yubin.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MboxTest {

    private static final String BOX = """
            not a message: before the first From line
            From alice@example.org Thu Jan  1 00:00:00 2026
            Subject: one

            >From the start
            >>From kept one level
            From bob@example.org Fri Jan  2 10:20:30 2026
            Subject: two

            body without a final line break""";

    @Test
    void readsMessagesUnquotingFromLinesWithTheirDatesAsAStoreKeepsThem() {
        List<Mbox.Message> messages = all(Mbox.reader(in(BOX.getBytes(StandardCharsets.US_ASCII))));

        assertThat(messages).hasSize(2);
        assertThat(text(messages.get(0))).isEqualTo("Subject: one\r\n\r\nFrom the start\r\n>From kept one level\r\n");
        assertThat(messages.get(0).date()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(text(messages.get(1))).isEqualTo("Subject: two\r\n\r\nbody without a final line break");
        assertThat(messages.get(1).date()).isEqualTo(Instant.parse("2026-01-02T10:20:30Z"));
        assertThat(all(Mbox.readerAsInFile(in(BOX.getBytes(StandardCharsets.US_ASCII)))).get(0).content())
                .isEqualTo("Subject: one\n\nFrom the start\n>From kept one level\n".getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * A stream read a few octets at a time, with messages and lines longer than the reader's buffer,
     * gives the messages the whole file gives: an mbox of any size is read one message at a time.
     */
    @Test
    void aStreamReadPieceByPieceGivesWhatTheWholeFileGives() throws IOException {
        Random random = new Random(7);
        ByteArrayOutputStream box = new ByteArrayOutputStream();
        for (int i = 0; i < 5; i++) {
            byte[] message = ("Subject: m" + i + "\r\n\r\n" + "x".repeat(random.nextInt(200_000)) + "\r\nFrom inside\r\n"
                    + "line\r\n".repeat(random.nextInt(20_000))).getBytes(StandardCharsets.US_ASCII);
            Mbox.write(box, message, "a@example.org", Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i));
        }
        byte[] whole = box.toByteArray();

        List<Mbox.Message> streamed = all(Mbox.reader(new Trickle(whole, random)));

        List<Mbox.Message> read = all(Mbox.reader(in(whole)));
        assertThat(streamed).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(streamed.get(i).content()).isEqualTo(read.get(i).content());
            assertThat(streamed.get(i).date()).isEqualTo(read.get(i).date());
            assertThat(text(streamed.get(i))).startsWith("Subject: m" + i + "\r\n").contains("\r\nFrom inside\r\n");
        }
        try (Mbox.Reader empty = Mbox.reader(new ByteArrayInputStream(new byte[0]))) {
            assertThat(empty.next()).isNull();
        }
    }

    private static List<Mbox.Message> all(Mbox.Reader reader) {
        List<Mbox.Message> messages = new ArrayList<>();
        try (reader) {
            for (Mbox.Message m = reader.next(); m != null; m = reader.next()) {
                messages.add(m);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return messages;
    }

    private static InputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }

    private static String text(Mbox.Message m) {
        return new String(m.content(), StandardCharsets.US_ASCII);
    }

    /** Gives at most a few octets per read, as a slow pipe does. */
    private static final class Trickle extends InputStream {
        private final byte[] data;
        private final Random random;
        private int at;

        Trickle(byte[] data, Random random) {
            this.data = data;
            this.random = random;
        }

        @Override
        public int read() {
            return at < data.length ? data[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (at == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, 1 + random.nextInt(random.nextBoolean() ? 7 : 100_000)), data.length - at);
            System.arraycopy(data, at, b, off, n);
            at += n;
            return n;
        }
    }
}
