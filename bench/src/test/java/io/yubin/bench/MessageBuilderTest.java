package io.yubin.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MessageBuilderTest {

    private static final String DATE = "Tue, 3 Jun 2025 10:00:00 +0200";

    @ParameterizedTest
    @ValueSource(ints = {1024, 4096, 4097, 4098, 4099, 65536, 1048576})
    void buildsAMessageOfExactlyTheRequestedSize(int size) {
        assertThat(MessageBuilder.message(size, "a@load.test", "user1@bench.test", DATE)).hasSize(size);
    }

    @ParameterizedTest
    @ValueSource(ints = {1024, 4096, 4097, 4099})
    void endsEveryLineWithCrlfAndHasNoBareCrOrLf(int size) {
        byte[] m = MessageBuilder.message(size, "a@load.test", "user1@bench.test", DATE);
        assertThat(m[m.length - 2]).isEqualTo((byte) '\r');
        assertThat(m[m.length - 1]).isEqualTo((byte) '\n');
        for (int i = 0; i < m.length; i++) {
            if (m[i] == '\r') {
                assertThat(m[i + 1]).as("octet after CR at %d", i).isEqualTo((byte) '\n');
            }
            if (m[i] == '\n') {
                assertThat(m[i - 1]).as("octet before LF at %d", i).isEqualTo((byte) '\r');
            }
        }
    }

    @Test
    void keepsEveryLineWithinSeventyEightOctetsIncludingCrlf() {
        byte[] m = MessageBuilder.message(8192, "a@load.test", "user1@bench.test", DATE);
        assertThat(lines(m)).allSatisfy(line -> assertThat(line.length() + 2).isLessThanOrEqualTo(78));
    }

    @Test
    void separatesHeadersFromBodyAndStartsTheBodyWithADot() {
        List<String> lines = lines(MessageBuilder.message(4096, "a@load.test", "user1@bench.test", DATE));
        int blank = lines.indexOf("");
        assertThat(lines.subList(0, blank)).contains("From: SMTP load generator <a@load.test>", "To: <user1@bench.test>",
                "Date: " + DATE);
        assertThat(lines.get(blank + 1)).startsWith(".");
    }

    @Test
    void dotStuffingDoublesLeadingDotsAndAppendsTheEndOfDataLine() {
        byte[] message = ascii("Subject: x\r\n\r\n.one\r\nmid.dle\r\n..two\r\n.\r\n");
        assertThat(new String(MessageBuilder.dotStuffed(message), StandardCharsets.US_ASCII))
                .isEqualTo("Subject: x\r\n\r\n..one\r\nmid.dle\r\n...two\r\n..\r\n.\r\n");
    }

    @Test
    void dotUnstuffingTheWireFormGivesBackTheMessage() {
        byte[] message = MessageBuilder.message(4096, "a@load.test", "user1@bench.test", DATE);
        byte[] wire = MessageBuilder.dotStuffed(message);
        assertThat(wire).hasSize(4096 + 1 + 3);
        assertThat(unstuff(wire)).isEqualTo(message);
    }

    @Test
    void refusesToStuffAMessageThatDoesNotEndWithCrlf() {
        assertThatThrownBy(() -> MessageBuilder.dotStuffed(ascii("Subject: x\r\n\r\nbody")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesASizeSmallerThanTheHeaders() {
        assertThatThrownBy(() -> MessageBuilder.message(100, "a@load.test", "user1@bench.test", DATE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("smaller than the headers");
    }

    /** The receiving side of RFC 5321 §4.5.2, written independently of the builder. */
    static byte[] unstuff(byte[] wire) {
        String text = new String(wire, StandardCharsets.US_ASCII);
        assertThat(text).endsWith("\r\n.\r\n");
        String[] lines = text.substring(0, text.length() - 3).split("\r\n", -1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < lines.length - 1; i++) { // the last element is what follows the final CRLF: nothing
            String line = lines[i];
            out.writeBytes(ascii((line.startsWith(".") ? line.substring(1) : line) + "\r\n"));
        }
        return out.toByteArray();
    }

    private static List<String> lines(byte[] message) {
        String text = new String(message, StandardCharsets.US_ASCII);
        List<String> lines = new ArrayList<>(List.of(text.split("\r\n", -1)));
        lines.remove(lines.size() - 1);
        return lines;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
