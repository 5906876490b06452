package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.Test;

/** The 8-bit to 7-bit conversion, read back with mime4j (decoding as a receiving client would). */
class SevenBitDowngradeTest {

    private static byte[] convert(String message) throws Exception {
        byte[] converted = SevenBitDowngrade.convert(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
        for (byte b : converted) {
            assertThat(b).as("7-bit output").isNotNegative();
        }
        for (String line : new String(converted, StandardCharsets.US_ASCII).split("\r\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(998);
        }
        return converted;
    }

    private static Message parse(byte[] message) throws IOException {
        return new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(message));
    }

    private static byte[] decoded(Entity part) throws IOException {
        try (InputStream in = ((SingleBody) part.getBody()).getInputStream()) {
            return in.readAllBytes();
        }
    }

    @Test
    void textPartsBecomeQuotedPrintableAndBinaryPartsBase64AndTheRestStaysAsItWas() throws Exception {
        byte[] binary = new byte[300];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 7);
        }
        String longLine = "\u00e9".repeat(600);
        String original = "From: alice@yubin.test\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "preamble d\u00e9j\u00e0\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nd\u00e9j\u00e0 vu\r\n" + longLine + "\r\nplain end\r\n"
                + "--b1\r\nContent-Type: text/plain\r\n\r\nalready ascii =3D\r\n"
                + "--b1\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "Subject: inner\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>\u00fcber</p>\r\n"
                + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n";
        byte[] head = original.getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\r\n--b1--\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] whole = new byte[head.length + binary.length + tail.length];
        System.arraycopy(head, 0, whole, 0, head.length);
        System.arraycopy(binary, 0, whole, head.length, binary.length);
        System.arraycopy(tail, 0, whole, head.length + binary.length, tail.length);
        // bare CR and LF inside the binary part stand in for any octets
        byte[] converted = SevenBitDowngrade.convert(new ByteArrayInputStream(whole));
        for (byte b : converted) {
            assertThat(b).isNotNegative();
        }

        Message message = parse(converted);
        assertThat(message.getContentTransferEncoding()).isEqualTo("7bit");
        List<Entity> parts = ((Multipart) message.getBody()).getBodyParts();
        assertThat(parts).hasSize(4);
        assertThat(parts.get(0).getContentTransferEncoding()).isEqualTo("quoted-printable");
        assertThat(new String(decoded(parts.get(0)), StandardCharsets.UTF_8))
                .isEqualTo("d\u00e9j\u00e0 vu\r\n" + longLine + "\r\nplain end");
        assertThat(parts.get(1).getContentTransferEncoding()).isEqualTo("7bit");
        assertThat(new String(decoded(parts.get(1)), StandardCharsets.US_ASCII)).isEqualTo("already ascii =3D");
        assertThat(parts.get(2).getContentTransferEncoding()).isEqualTo("7bit");
        Message inner = (Message) parts.get(2).getBody();
        assertThat(inner.getSubject()).isEqualTo("inner");
        assertThat(inner.getContentTransferEncoding()).isEqualTo("quoted-printable");
        assertThat(new String(decoded(inner), StandardCharsets.UTF_8)).isEqualTo("<p>\u00fcber</p>");
        assertThat(parts.get(3).getContentTransferEncoding()).isEqualTo("base64");
        assertThat(decoded(parts.get(3))).isEqualTo(binary);
        assertThat(new String(converted, StandardCharsets.US_ASCII)).startsWith("From: alice@yubin.test\r\n");
    }

    @Test
    void aMessageWithoutMimeHeaderFieldsBecomesTextPlainOfItsCharset() throws Exception {
        Message utf8 = parse(convert("Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n"));
        assertThat(utf8.getMimeType()).isEqualTo("text/plain");
        assertThat(utf8.getCharset()).isEqualTo("utf-8");
        assertThat(new String(decoded(utf8), StandardCharsets.UTF_8)).isEqualTo("d\u00e9j\u00e0 vu\r\n");

        byte[] latin1 = "Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n".getBytes(StandardCharsets.ISO_8859_1);
        Message unknown = parse(SevenBitDowngrade.convert(new ByteArrayInputStream(latin1)));
        assertThat(unknown.getCharset()).isEqualTo("unknown-8bit");
        assertThat(decoded(unknown)).isEqualTo("d\u00e9j\u00e0 vu\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aMessageWithout8BitOctetsIsUnchanged() throws Exception {
        String message = "MIME-Version: 1.0\r\nContent-Type: text/plain\r\nSubject: x\r\n\r\nascii only\r\n";
        assertThat(new String(convert(message), StandardCharsets.US_ASCII)).isEqualTo(message);
    }

    @Test
    void utf8InTextAndDisplayNamesBecomesEncodedWords() throws Exception {
        String subject = "caf\u00e9 " + "r\u00e9sum\u00e9 ".repeat(60);
        Message message = parse(convert("From: Zo\u00eb Dupr\u00e9 <zoe@yubin.test>\r\nTo: bob@peer.test, "
                + "\"J\u00fcrgen\" <j@peer.test>\r\nSubject: " + subject + "\r\nX-Plain: ascii\r\n"
                + "MIME-Version: 1.0\r\n\r\nbody\r\n"));

        assertThat(message.getSubject()).isEqualTo(subject.strip());
        assertThat(message.getFrom().get(0).getName()).isEqualTo("Zo\u00eb Dupr\u00e9");
        assertThat(message.getFrom().get(0).getAddress()).isEqualTo("zoe@yubin.test");
        assertThat(message.getTo().flatten()).extracting(m -> m.getAddress()).containsExactly("bob@peer.test",
                "j@peer.test");
        assertThat(message.getTo().flatten().get(1).getName()).isEqualTo("J\u00fcrgen");
        assertThat(message.getHeader().getFields()).extracting(f -> f.getName()).containsExactly("From", "To",
                "Subject", "X-Plain", "MIME-Version");
    }

    @Test
    void whatCannotBeConvertedIsRefusedWithTheReason() {
        assertThatThrownBy(() -> convert("X-Note: caf\u00e9\r\nMIME-Version: 1.0\r\n\r\nbody\r\n"))
                .isInstanceOf(SevenBitDowngrade.Impossible.class)
                .hasMessage("the header field X-Note has 8-bit octets");
        assertThatThrownBy(() -> convert("To: j\u00fcrgen@peer.test\r\nMIME-Version: 1.0\r\n\r\nbody\r\n"))
                .isInstanceOf(SevenBitDowngrade.Impossible.class)
                .hasMessage("the header field To has a UTF-8 address, which needs SMTPUTF8");
    }
}
