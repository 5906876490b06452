package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DotStufferTest {

    private static String stuff(String text, int... cuts) {
        byte[] all = text.getBytes(StandardCharsets.US_ASCII);
        DotStuffer stuffer = new DotStuffer();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int from = 0;
        for (int cut : cuts) {
            out.writeBytes(stuffer.stuff(Arrays.copyOfRange(all, from, cut)));
            from = cut;
        }
        out.writeBytes(stuffer.stuff(Arrays.copyOfRange(all, from, all.length)));
        out.writeBytes(stuffer.finish());
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void doublesALeadingDotOnEveryLine() {
        assertThat(stuff(".a\r\nb.\r\n..c\r\n")).isEqualTo("..a\r\nb.\r\n...c\r\n.\r\n");
    }

    @Test
    void addsTheMissingCrlfBeforeTheEndMark() {
        assertThat(stuff("no line end")).isEqualTo("no line end\r\n.\r\n");
        assertThat(stuff("")).isEqualTo(".\r\n");
    }

    @Test
    void aBareLineFeedDoesNotStartALine() {
        assertThat(stuff("a\n.b\r\n")).isEqualTo("a\n.b\r\n.\r\n");
    }

    @Test
    void remembersTheLineStartAcrossChunks() {
        assertThat(stuff("a\r\n.b", 2)).isEqualTo("a\r\n..b\r\n.\r\n");
        assertThat(stuff("a\r\n.b", 3)).isEqualTo("a\r\n..b\r\n.\r\n");
        assertThat(stuff("a\r\n.b", 4)).isEqualTo("a\r\n..b\r\n.\r\n");
    }

    @Property
    void theReceiverReadsBackTheSameLinesWhereverTheChunksAreCut(@ForAll @From("bodies") String body,
            @ForAll @IntRange(min = 0, max = 200) int cut) {
        int at = Math.min(cut, body.length());
        String wire = stuff(body, at);
        // RFC 5321 §4.5.2, the receiver's side: the first line that is "." ends the data.
        List<String> lines = Arrays.asList(wire.split("\r\n", -1));
        int end = lines.indexOf(".");
        assertThat(end).isEqualTo(lines.size() - 2);
        StringBuilder read = new StringBuilder();
        for (String line : lines.subList(0, end)) {
            read.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
        }
        String expected = body.isEmpty() || body.endsWith("\r\n") ? body : body + "\r\n";
        assertThat(read.toString()).isEqualTo(expected);
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.of("a", ".", "..", "\r\n", "\r", "\n", " ", "x.y").list().ofMaxSize(40)
                .map(parts -> String.join("", parts));
    }
}
