package io.yubin.imap;

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
import net.jqwik.api.constraints.Size;

/** The framer and parser never fail in any way but a protocol error, and hold their limits. */
class ImapParserPropertiesTest {

    private static final int MAX_LINE = 1024;

    @Property(tries = 500)
    void anyBytesFrameIntoCommandsOrRefusalsWithinTheLimits(@ForAll @Size(max = 5000) byte[] input,
            @ForAll @IntRange(min = 1, max = 700) int chunk) {
        ImapFramer framer = new ImapFramer(MAX_LINE, 4096, 8192);
        List<ImapFramer.Event> events = new ArrayList<>();
        for (int i = 0; i < input.length; i += chunk) {
            byte[] part = java.util.Arrays.copyOfRange(input, i, Math.min(input.length, i + chunk));
            events.addAll(framer.feed(part));
        }
        for (ImapFramer.Event e : events) {
            if (e instanceof ImapFramer.Command c) {
                long octets = c.segments().stream().mapToLong(s -> s.length).sum();
                assertThat(octets).isLessThanOrEqualTo(8192 + 16L * MAX_LINE);
                for (int k = 0; k < c.segments().size(); k += 2) {
                    assertThat(c.segments().get(k).length).isLessThan(MAX_LINE);
                }
                try {
                    ImapParser.parse(c.segments(), 8);
                } catch (ImapParser.ImapParseException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
    }

    @Property(tries = 500)
    void anyPrintableCommandParsesOrIsAParseError(@ForAll("commands") String line) {
        try {
            ImapParser.Request r = ImapParser.parse(List.of(line.getBytes(StandardCharsets.UTF_8)), 8);
            assertThat(ImapParser.isTag(r.tag())).isTrue();
            assertThat(r.command()).isNotEmpty();
        } catch (ImapParser.ImapParseException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 300)
    void quotedStringsRoundTripThroughImapStrings(@ForAll @Size(max = 200) String value) {
        String rendered = ImapStrings.appendString(new StringBuilder(), value, true).toString();
        List<byte[]> segments = new ArrayList<>();
        if (rendered.startsWith("{")) {
            int close = rendered.indexOf('}');
            segments.add(("a X " + rendered.substring(0, close + 1)).getBytes(StandardCharsets.UTF_8));
            segments.add(rendered.substring(close + 3).getBytes(StandardCharsets.UTF_8));
            segments.add(new byte[0]);
        } else {
            segments.add(("a X " + rendered).getBytes(StandardCharsets.UTF_8));
        }
        ImapParser.Request r = ImapParser.parse(segments, 8);
        assertThat(((ImapParser.Str) r.args().get(0)).value()).isEqualTo(value);
    }

    @Provide
    Arbitrary<String> commands() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcXYZ0129*:,$\\\"()[]<>. %{}+~").ofMaxLength(12),
                Arbitraries.of("FETCH", "1:*", "(FLAGS BODY[HEADER.FIELDS (FROM)]<0.10>)", "\"quoted \\\" str\"",
                        "NIL", "(((", ")))", "{5}", "BODY[", "]"));
        return token.list().ofMaxSize(10).map(parts -> "t" + (parts.isEmpty() ? "" : " " + String.join(" ", parts)));
    }
}
