package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.yubin.model.Envelope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class SmtpCommandParserTest {

    @Test
    void parsesMailWithEveryParameter() {
        SmtpCommand c = SmtpCommandParser.parse(
                "mail from: <a@example.org> SIZE=100 body=8bitmime SMTPUTF8 RET=FULL ENVID=x+2By AUTH=<> requiretls");
        assertThat(c).isEqualTo(new SmtpCommand.Mail(io.yubin.model.MailAddress.parse("a@example.org"), 100,
                Envelope.BodyType.EIGHT_BIT_MIME, true, Envelope.DsnReturn.FULL, "x+y", true));
        assertThat(((SmtpCommand.Mail) SmtpCommandParser.parse("MAIL FROM:<a@example.org>")).requireTls()).isFalse();
    }

    @Test
    void parsesNullReversePathAndSourceRoutes() {
        assertThat(((SmtpCommand.Mail) SmtpCommandParser.parse("MAIL FROM:<>")).sender()).isNull();
        assertThat(((SmtpCommand.Rcpt) SmtpCommandParser.parse("RCPT TO:<@relay.example:b@example.org>")).recipient())
                .hasToString("b@example.org");
        assertThat(((SmtpCommand.Rcpt) SmtpCommandParser.parse("RCPT TO:<\"a>b\"@example.org>")).recipient())
                .as("a quoted '>' does not end the path").hasToString("\"a>b\"@example.org");
    }

    @Test
    void parsesRcptDsnParameters() {
        SmtpCommand.Rcpt c = (SmtpCommand.Rcpt) SmtpCommandParser.parse(
                "RCPT TO:<b@example.org> NOTIFY=success,delay ORCPT=rfc822;b+40example.org");
        assertThat(c.notifyOn()).containsExactlyInAnyOrder(Envelope.DsnNotify.SUCCESS, Envelope.DsnNotify.DELAY);
        assertThat(c.orcpt()).isEqualTo("rfc822;b+40example.org");
    }

    @Test
    void parsesTheOtherCommands() {
        assertThat(SmtpCommandParser.parse("BDAT 12 last")).isEqualTo(new SmtpCommand.Bdat(12, true));
        assertThat(SmtpCommandParser.parse("BDAT 0")).isEqualTo(new SmtpCommand.Bdat(0, false));
        assertThat(SmtpCommandParser.parse("AUTH plain AGEAYg==")).isEqualTo(new SmtpCommand.Auth("PLAIN", "AGEAYg=="));
        assertThat(SmtpCommandParser.parse("ehlo x.example")).isEqualTo(new SmtpCommand.Ehlo("x.example"));
        assertThat(SmtpCommandParser.parse("NOOP anything")).isEqualTo(new SmtpCommand.Noop());
        assertThat(SmtpCommandParser.parse("STARTTLS")).isEqualTo(new SmtpCommand.StartTls());
    }

    @Test
    void aSizeOfTwentyDigitsIsANumberOverEveryLimitNotASyntaxError() {
        // Past what a long holds, so the server answers 552 5.3.4 as for any size over its limit.
        assertThat(((SmtpCommand.Mail) SmtpCommandParser.parse("MAIL FROM:<a@example.org> SIZE=99999999999999999999"))
                .size()).isEqualTo(Long.MAX_VALUE);
        assertThat(((SmtpCommand.Mail) SmtpCommandParser.parse("MAIL FROM:<a@example.org> SIZE=9223372036854775807"))
                .size()).isEqualTo(Long.MAX_VALUE);
        assertThat(((SmtpCommand.Mail) SmtpCommandParser.parse("MAIL FROM:<a@example.org> SIZE=00000000000000001234"))
                .size()).isEqualTo(1234);
    }

    @Test
    void refusesBadSyntaxWithTheRightCodes() {
        assertThat(reply("")).startsWith("500 5.5.2");
        assertThat(reply("XYZZY")).startsWith("500 5.5.2");
        assertThat(reply("EXPN staff")).startsWith("502 5.5.1 EXPN is not available");
        assertThat(reply("DATA now")).startsWith("501 5.5.4");
        assertThat(reply("MAIL TO:<a@example.org>")).startsWith("501 5.5.4");
        assertThat(reply("MAIL FROM:<a@example.org")).startsWith("501 5.1.7");
        assertThat(reply("RCPT TO:<>")).startsWith("501 5.1.3");
        assertThat(reply("MAIL FROM:<a@example.org> SIZE=abc")).startsWith("501 5.5.4");
        // RFC 1870 §8: size-value ::= 1*20DIGIT; one digit more is out of the grammar.
        assertThat(reply("MAIL FROM:<a@example.org> SIZE=123456789012345678901")).startsWith("501 5.5.4");
        assertThat(reply("MAIL FROM:<a@example.org> SIZE=1 SIZE=2")).startsWith("501 5.5.4");
        assertThat(reply("MAIL FROM:<a@example.org> ENVID=a+zz")).startsWith("501 5.5.4");
        assertThat(reply("MAIL FROM:<a@example.org> XFOO")).startsWith("555 5.5.4");
        assertThat(reply("RCPT TO:<a@example.org> ORCPT=nosemicolon")).startsWith("501 5.5.4");
        assertThat(reply("BDAT -1")).startsWith("501 5.5.4");
        assertThat(reply("BDAT 1 FIRST")).startsWith("501 5.5.4");
        assertThat(reply("AUTH")).startsWith("501 5.5.4");
    }

    private static String reply(String line) {
        return ((SmtpCommand.Invalid) SmtpCommandParser.parse(line)).reply().render();
    }

    @Test
    void rendersMultiLineReplies() {
        assertThat(new SmtpReply(250, null, "a\nb\nc").render()).isEqualTo("250-a\r\n250-b\r\n250 c\r\n");
        assertThat(new SmtpReply(550, "5.1.1", "No").render()).isEqualTo("550 5.1.1 No\r\n");
    }

    @Property
    void neverThrowsOnAnyLine(@ForAll @StringLength(max = 300) String line) {
        assertThat(SmtpCommandParser.parse(line)).isNotNull();
    }

    @Property
    void neverThrowsOnMailAndRcptLikeLines(@ForAll("mailish") String line) {
        assertThat(SmtpCommandParser.parse(line)).isNotNull();
    }

    @Provide
    Arbitrary<String> mailish() {
        Arbitrary<String> prefix = Arbitraries.of("MAIL FROM:", "RCPT TO:", "mail from: ", "BDAT ", "AUTH ");
        Arbitrary<String> rest = Arbitraries.strings().withChars("<>@\"\\ =+;,.:abcXYZ019é\t").ofMaxLength(80);
        return net.jqwik.api.Combinators.combine(prefix, rest).as(String::concat);
    }

    @Property
    void validAddressesRoundTrip(@ForAll("localParts") String local, @ForAll("domains") String domain) {
        SmtpCommand c = SmtpCommandParser.parse("RCPT TO:<" + local + "@" + domain + ">");
        assertThat(c).isInstanceOf(SmtpCommand.Rcpt.class);
        assertThat(((SmtpCommand.Rcpt) c).recipient().toString()).isEqualTo(local + "@" + domain);
    }

    @Provide
    Arbitrary<String> localParts() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars("0123456789").ofMinLength(1).ofMaxLength(20);
    }

    @Provide
    Arbitrary<String> domains() {
        return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(10)
                .list().ofMinSize(2).ofMaxSize(4).map(l -> String.join(".", l));
    }

    /** Framing does not depend on how the bytes are split into packets. */
    @Property
    void framingIgnoresPacketBoundaries(@ForAll("text") String text, @ForAll @IntRange(min = 1, max = 50) int packet) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        List<String> whole = frame(bytes, bytes.length);
        List<String> split = frame(bytes, packet);
        assertThat(split).isEqualTo(whole);
    }

    /** Only CRLF ends a line; any other CR or LF is reported. */
    @Property
    void bareLineEndingsAreAlwaysReported(@ForAll("text") String text) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        LineFramer f = new LineFramer(1000);
        f.feed(Buffer.buffer(bytes));
        LineFramer.Line line;
        StringBuilder consumed = new StringBuilder();
        while ((line = f.nextLine()) != null) {
            String s = new String(line.bytes(), StandardCharsets.ISO_8859_1);
            boolean bare = s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0;
            assertThat(line.problem() != LineFramer.Problem.NONE).isEqualTo(bare || line.problem() == LineFramer.Problem.TOO_LONG);
            consumed.append(s).append("\r\n");
        }
        assertThat(text).startsWith(consumed.toString());
    }

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withChars("ab.\r\n").ofMaxLength(200);
    }

    private static List<String> frame(byte[] bytes, int packet) {
        LineFramer f = new LineFramer(600);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += packet) {
            f.feed(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + packet))));
            LineFramer.Line line;
            while ((line = f.nextLine()) != null) {
                out.add(line.problem() + ":" + new String(line.bytes(), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    @Test
    void framerReportsTooLongAndKeepsGoing() {
        LineFramer f = new LineFramer(600);
        f.feed(Buffer.buffer("x".repeat(700) + "\r\nok\r\n"));
        assertThat(f.nextLine().problem()).isEqualTo(LineFramer.Problem.TOO_LONG);
        LineFramer.Line ok = f.nextLine();
        assertThat(ok.problem()).isEqualTo(LineFramer.Problem.NONE);
        assertThat(new String(ok.bytes(), StandardCharsets.US_ASCII)).isEqualTo("ok");
        assertThat(f.nextLine()).isNull();
    }
}
