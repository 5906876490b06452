package io.yubin.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class Pop3MessageEncoderTest {

    /** Encodes in chunks of {@code chunk} octets, as the connection does with blob reads. */
    static byte[] encode(byte[] message, long topLines, int chunk) {
        Pop3MessageEncoder encoder = new Pop3MessageEncoder(topLines);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < message.length && !encoder.done(); i += chunk) {
            byte[] part = java.util.Arrays.copyOfRange(message, i, Math.min(message.length, i + chunk));
            out.writeBytes(encoder.encode(part, part.length));
        }
        out.writeBytes(encoder.finish());
        return out.toByteArray();
    }

    static String encode(String message, long topLines) {
        return new String(encode(message.getBytes(StandardCharsets.UTF_8), topLines, 3), StandardCharsets.UTF_8);
    }

    @Test
    void stuffsLinesStartingWithADot() {
        assertThat(encode(".a\r\nb.\r\n.\r\n..\r\n", -1)).isEqualTo("..a\r\nb.\r\n..\r\n...\r\n.\r\n");
    }

    @Test
    void endsAnUnterminatedLastLineAndAnEmptyMessage() {
        assertThat(encode("a\r\nb", -1)).isEqualTo("a\r\nb\r\n.\r\n");
        assertThat(encode("", -1)).isEqualTo(".\r\n");
        assertThat(encode("a\r\n.", -1)).isEqualTo("a\r\n..\r\n.\r\n");
    }

    @Test
    void topStopsAfterTheHeaderAndTheAskedLines() {
        String message = "A: 1\r\nB: 2\r\n\r\none\r\n.two\r\nthree\r\n";
        assertThat(encode(message, 0)).isEqualTo("A: 1\r\nB: 2\r\n\r\n.\r\n");
        assertThat(encode(message, 2)).isEqualTo("A: 1\r\nB: 2\r\n\r\none\r\n..two\r\n.\r\n");
        assertThat(encode(message, 3)).isEqualTo("A: 1\r\nB: 2\r\n\r\none\r\n..two\r\nthree\r\n.\r\n");
        assertThat(encode(message, 50)).isEqualTo("A: 1\r\nB: 2\r\n\r\none\r\n..two\r\nthree\r\n.\r\n");
        assertThat(encode("A: 1\r\nB: 2\r\n", 0)).isEqualTo("A: 1\r\nB: 2\r\n.\r\n");
    }

    @Property
    void unstuffingGivesBackTheMessage(@ForAll("messages") byte[] message, @ForAll @IntRange(min = 1, max = 40) int chunk) {
        byte[] encoded = encode(message, -1, chunk);
        byte[] expected = message;
        if (message.length > 0 && message[message.length - 1] != '\n') {
            expected = java.util.Arrays.copyOf(message, message.length + 2);
            expected[message.length] = '\r';
            expected[message.length + 1] = '\n';
        }
        assertThat(RawPop3Client.unstuff(encoded)).isEqualTo(expected);
        assertThat(new String(encoded, StandardCharsets.ISO_8859_1)).endsWith(message.length == 0 ? ".\r\n" : "\r\n.\r\n");
        // No line inside the answer is the terminator.
        List<String> lines = List.of(new String(encoded, StandardCharsets.ISO_8859_1).split("\r\n", -1));
        assertThat(lines.subList(0, lines.size() - 2)).doesNotContain(".");
    }

    @Property
    void chunkingDoesNotChangeTheOutput(@ForAll("messages") byte[] message, @ForAll @IntRange(min = -1, max = 5) int top,
            @ForAll @IntRange(min = 1, max = 40) int chunk) {
        assertThat(encode(message, top, chunk)).isEqualTo(encode(message, top, Math.max(1, message.length)));
    }

    @Provide
    Arbitrary<byte[]> messages() {
        Arbitrary<String> line = Arbitraries.strings().withChars(".ab: \r").ofMaxLength(6);
        return line.list().ofMaxSize(12).map(lines -> String.join("\r\n", lines).getBytes(StandardCharsets.ISO_8859_1));
    }
}
