package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ReplyParserTest {

    @Test
    void assemblesAMultiLineReply() {
        ReplyParser parser = new ReplyParser();
        assertThat(parser.feed("250-mx.example.org hello")).isNull();
        assertThat(parser.feed("250-PIPELINING")).isNull();
        RemoteReply reply = parser.feed("250 SIZE 1000");
        assertThat(reply).isEqualTo(new RemoteReply(250, List.of("mx.example.org hello", "PIPELINING", "SIZE 1000")));
        assertThat(EhloCapabilities.parse(reply)).isEqualTo(new EhloCapabilities(java.util.Set.of("PIPELINING", "SIZE"), 1000));
        assertThat(parser.feed("221 bye")).isEqualTo(RemoteReply.of(221, "bye"));
    }

    @Test
    void takesABareCodeAsAReplyWithEmptyText() {
        assertThat(new ReplyParser().feed("354")).isEqualTo(RemoteReply.of(354, ""));
    }

    @Test
    void readsTheEnhancedStatusOnlyWhenItsClassMatchesTheCode() {
        assertThat(RemoteReply.of(550, "5.1.1 no such user").enhanced()).isEqualTo("5.1.1");
        assertThat(RemoteReply.of(550, "4.1.1 odd").enhanced()).isNull();
        assertThat(RemoteReply.of(250, "2.0.0").enhanced()).isEqualTo("2.0.0");
        assertThat(RemoteReply.of(250, "ok").enhanced()).isNull();
    }

    @Test
    void refusesWhatIsNotAReplyLine() {
        for (String bad : List.of("", "25", "hello", "250x", "199 too low", "650 too high", "2a0 letters")) {
            assertThatThrownBy(() -> new ReplyParser().feed(bad)).as(bad).isInstanceOf(SmtpProtocolException.class);
        }
    }

    @Test
    void refusesACodeThatChangesWithinAReply() {
        ReplyParser parser = new ReplyParser();
        parser.feed("250-first");
        assertThatThrownBy(() -> parser.feed("550 second")).isInstanceOf(SmtpProtocolException.class);
    }

    @Test
    void refusesEndlessContinuations() {
        ReplyParser parser = new ReplyParser();
        for (int i = 0; i < ReplyParser.MAX_LINES; i++) {
            parser.feed("250-line " + i);
        }
        assertThatThrownBy(() -> parser.feed("250 last")).isInstanceOf(SmtpProtocolException.class);
    }

    @Property
    void anyWrittenReplyReadsBackAsItself(@ForAll @IntRange(min = 200, max = 559) int code,
            @ForAll @Size(min = 1, max = 20) List<@From("texts") String> lines) {
        ReplyParser parser = new ReplyParser();
        RemoteReply read = null;
        for (int i = 0; i < lines.size(); i++) {
            String separator = i == lines.size() - 1 ? " " : "-";
            RemoteReply result = parser.feed(code + separator + lines.get(i));
            assertThat(result == null).isEqualTo(i < lines.size() - 1);
            read = result;
        }
        assertThat(read).isEqualTo(new RemoteReply(code, lines));
    }

    @Property
    void arbitraryLinesAreARepliesOrAProtocolError(@ForAll @Size(max = 10) List<String> lines) {
        ReplyParser parser = new ReplyParser();
        List<RemoteReply> replies = new ArrayList<>();
        for (String line : lines) {
            try {
                RemoteReply reply = parser.feed(line);
                if (reply != null) {
                    replies.add(reply);
                }
            } catch (SmtpProtocolException expected) {
                return;
            }
        }
        assertThat(replies).allSatisfy(r -> assertThat(r.code()).isBetween(200, 599));
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60);
    }
}
