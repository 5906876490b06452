package io.yubin.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyReaderTest {

    private final ReplyReader reader = new ReplyReader();

    @Test
    void readsASingleLineReply() {
        assertThat(reader.next(buffer("250 2.0.0 Ok: queued as 4XyZ\r\n"))).isEqualTo(250);
    }

    @Test
    void readsAReplyThatIsOnlyTheCode() {
        assertThat(reader.next(buffer("354\r\n"))).isEqualTo(354);
    }

    @Test
    void completesAMultilineReplyOnlyAtItsLastLine() {
        ByteBuffer in = buffer("250-mx.bench.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        reader.captureText(true);
        assertThat(reader.next(in)).isEqualTo(250);
        assertThat(reader.text()).containsExactly("mx.bench.test", "PIPELINING", "8BITMIME");
        assertThat(in.hasRemaining()).isFalse();
    }

    @Test
    void keepsAPartialReplyAcrossBuffersSplitAtEveryOctet() {
        byte[] bytes = "250-first\r\n250 second\r\n".getBytes(StandardCharsets.US_ASCII);
        reader.captureText(true);
        int code = -1;
        for (int i = 0; i < bytes.length; i++) {
            code = reader.next(ByteBuffer.wrap(bytes, i, 1));
            if (i < bytes.length - 1) {
                assertThat(code).as("after octet %d", i).isEqualTo(-1);
            }
        }
        assertThat(code).isEqualTo(250);
        assertThat(reader.text()).containsExactly("first", "second");
    }

    @Test
    void returnsPipelinedRepliesOneAtATimeAndLeavesTheRestInTheBuffer() {
        ByteBuffer in = buffer("250 2.1.0 Ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n250 ");
        assertThat(reader.next(in)).isEqualTo(250);
        assertThat(reader.next(in)).isEqualTo(550);
        assertThat(reader.next(in)).isEqualTo(554);
        assertThat(reader.next(in)).isEqualTo(-1);
        assertThat(reader.next(buffer("2.0.0 Ok\r\n"))).isEqualTo(250);
    }

    @Test
    void keepsNoTextWhileCaptureIsOff() {
        reader.next(buffer("250-a\r\n250 b\r\n"));
        assertThat(reader.text()).isEmpty();
    }

    @Test
    void acceptsALineEndedByABareLineFeed() {
        assertThat(reader.next(buffer("220 sloppy server\n"))).isEqualTo(220);
    }

    @Test
    void refusesALineThatIsNotAReply() {
        assertThatThrownBy(() -> reader.next(buffer("HTTP/1.1 400 Bad Request\r\n")))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("malformed reply line");
    }

    @Test
    void refusesACodeOutsideTwoToFiveHundred() {
        assertThatThrownBy(() -> reader.next(buffer("100 continue\r\n"))).isInstanceOf(SmtpProtocolException.class);
        assertThatThrownBy(() -> new ReplyReader().next(buffer("600 nope\r\n"))).isInstanceOf(SmtpProtocolException.class);
    }

    @Test
    void refusesAWrongSeparatorAfterTheCode() {
        assertThatThrownBy(() -> reader.next(buffer("250x\r\n"))).isInstanceOf(SmtpProtocolException.class);
    }

    @Test
    void refusesACodeThatChangesWithinAMultilineReply() {
        assertThatThrownBy(() -> reader.next(buffer("250-a\r\n550 b\r\n")))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("250 then 550");
    }

    @Test
    void refusesALineLongerThanTheLimitInsteadOfBufferingIt() {
        String longLine = "250 " + "x".repeat(ReplyReader.MAX_LINE);
        assertThatThrownBy(() -> reader.next(buffer(longLine)))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("longer than");
    }

    private static ByteBuffer buffer(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
