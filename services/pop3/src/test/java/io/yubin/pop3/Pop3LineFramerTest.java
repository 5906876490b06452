package io.yubin.pop3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class Pop3LineFramerTest {

    private static List<String> describe(List<Pop3LineFramer.Line> lines) {
        List<String> out = new ArrayList<>();
        for (Pop3LineFramer.Line line : lines) {
            if (line instanceof Pop3LineFramer.Line.Text text) {
                out.add(new String(text.octets(), StandardCharsets.ISO_8859_1));
            } else if (line instanceof Pop3LineFramer.Line.TooLong) {
                out.add("<too long>");
            } else {
                out.add("<flood>");
            }
        }
        return out;
    }

    private static List<String> feed(Pop3LineFramer framer, String input, int chunk) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        List<Pop3LineFramer.Line> lines = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunk) {
            lines.addAll(framer.feed(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk))));
        }
        return describe(lines);
    }

    @Test
    void splitsOnCrlfAndKeepsAPartialLineForLater() {
        Pop3LineFramer framer = new Pop3LineFramer(10, 100);
        assertThat(describe(framer.feed("STAT\r\nLIST 1\r\nRE".getBytes(StandardCharsets.US_ASCII))))
                .containsExactly("STAT", "LIST 1");
        assertThat(describe(framer.feed("TR 1\r\n".getBytes(StandardCharsets.US_ASCII)))).containsExactly("RETR 1");
        assertThat(describe(framer.feed("NOOP\n\r\n".getBytes(StandardCharsets.US_ASCII)))).containsExactly("NOOP", "");
    }

    @Test
    void dropsAnOverlongLineUpToItsEndAndGoesOn() {
        Pop3LineFramer framer = new Pop3LineFramer(10, 100);
        assertThat(feed(framer, "0123456789\r\n01234567890\r\nok\r\n", 4))
                .containsExactly("0123456789", "<too long>", "ok");
    }

    @Test
    void floodsWhenAnOverlongLineNeverEnds() {
        Pop3LineFramer framer = new Pop3LineFramer(10, 100);
        assertThat(feed(framer, "x".repeat(101), 7)).containsExactly("<flood>");
    }

    @Test
    void resetDropsAPartialLine() {
        Pop3LineFramer framer = new Pop3LineFramer(10, 100);
        framer.feed("CAPA".getBytes(StandardCharsets.US_ASCII));
        framer.reset();
        assertThat(describe(framer.feed("QUIT\r\n".getBytes(StandardCharsets.US_ASCII)))).containsExactly("QUIT");
    }

    @Property
    void chunkingDoesNotChangeTheLines(@ForAll("input") String input, @ForAll @IntRange(min = 1, max = 20) int chunk) {
        assertThat(feed(new Pop3LineFramer(16, 1000), input, chunk))
                .isEqualTo(feed(new Pop3LineFramer(16, 1000), input, Math.max(1, input.length())));
    }

    @Property
    void keptLinesAreBoundedAndHaveNoLineEnds(@ForAll("input") String input) {
        for (String line : feed(new Pop3LineFramer(16, 1000), input, 5)) {
            assertThat(line.length()).isLessThanOrEqualTo(17);
            assertThat(line).doesNotContain("\n");
        }
    }

    @Provide
    Arbitrary<String> input() {
        return Arbitraries.strings().withChars("ab \r\n.").ofMaxLength(200);
    }
}
