package io.yubin.filter.spam.spamd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SpamcProtocolTest {

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void checkAndTellCountTheMessageOctetsInContentLength() {
        byte[] message = ascii("Subject: x\n\nbody\n");

        assertThat(new String(SpamcProtocol.check(message), StandardCharsets.US_ASCII))
                .isEqualTo("CHECK SPAMC/1.5\r\nContent-length: 17\r\n\r\nSubject: x\n\nbody\n");
        assertThat(new String(SpamcProtocol.tell(message, true), StandardCharsets.US_ASCII))
                .isEqualTo("TELL SPAMC/1.5\r\nMessage-class: spam\r\nSet: local\r\nContent-length: 17\r\n\r\n"
                        + "Subject: x\n\nbody\n");
        assertThat(new String(SpamcProtocol.tell(message, false), StandardCharsets.US_ASCII))
                .contains("Message-class: ham\r\n");
    }

    @Test
    void readsTheVerdictScoreAndRequiredScoreOfACheckReply() {
        SpamcProtocol.Reply spam = SpamcProtocol.parse(ascii("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1000.0 / 5.0\r\n\r\n"));
        SpamcProtocol.Reply ham = SpamcProtocol.parse(ascii("SPAMD/1.1 0 EX_OK\r\nSpam: False ; -1.9 / 5.0\r\n\r\n"));

        assertThat(spam.ok()).isTrue();
        assertThat(spam.verdict()).isEqualTo(new SpamcProtocol.Verdict(true, 1000.0, 5.0));
        assertThat(ham.verdict()).isEqualTo(new SpamcProtocol.Verdict(false, -1.9, 5.0));
    }

    @Test
    void anErrorCodeIsNotOkAndAReplyWithoutVerdictOrStatusIsRefused() {
        SpamcProtocol.Reply error = SpamcProtocol.parse(ascii("SPAMD/1.0 76 Bad header line: TELL\r\n"));

        assertThat(error.ok()).isFalse();
        assertThat(error.code()).isEqualTo(76);
        assertThat(SpamcProtocol.parse(ascii("SPAMD/1.1 0 EX_OK\r\nDidSet: local\r\n\r\n")).headers())
                .containsEntry("DidSet", "local");
        assertThatThrownBy(error::verdict).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpamcProtocol.parse(ascii("HTTP/1.1 200 OK\r\n\r\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a spamd reply");
    }
}
