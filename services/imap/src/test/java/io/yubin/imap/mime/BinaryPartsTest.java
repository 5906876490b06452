package io.yubin.imap.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Parts holding NULs become base64; the rest of the message stays octet for octet. */
class BinaryPartsTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void aMessageWithoutNulIsReturnedAsItIs() {
        byte[] m = bytes("Subject: x\r\nContent-Transfer-Encoding: binary\r\n\r\n\u00e4\u00ff bytes\r\n");
        assertThat(BinaryParts.toBase64(m)).isSameAs(m);
    }

    @Test
    void aSinglePartMessageBecomesBase64AndDecodesToTheOctetsAppended() {
        String body = "\u0000-\u00e4\n\r\n\n\n";
        byte[] m = bytes("From: user@domain.org\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Transfer-Encoding:\r\n binary\r\nX-After: kept\r\n\r\n" + body);
        String out = text(BinaryParts.toBase64(m));
        // The folded field goes whole; the others keep their order.
        assertThat(out).startsWith("From: user@domain.org\r\nContent-Type: application/octet-stream\r\nX-After: kept\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n");
        assertThat(out).doesNotContain("\u0000").endsWith("\r\n");
        String encoded = out.substring(out.indexOf("\r\n\r\n") + 4).trim();
        assertThat(text(Base64.getMimeDecoder().decode(encoded))).isEqualTo(body);
        MimePart parsed = MimePart.parse(bytes(out));
        assertThat(parsed.encoding()).isEqualToIgnoringCase("base64");
    }

    @Test
    void onlyThePartsWithNulsChangeInAMultipartAndInAnAttachedMessage() {
        String head = "Subject: mixed\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n";
        String text = "--b1\r\nContent-Type: text/plain\r\n\r\nplain text\r\n";
        String binary = "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                + "a\u0000b\r\n";
        String attached = "--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
                + "Content-Type: application/x-thing\r\n\r\n\u0000\u0001\u0002\r\n";
        byte[] m = bytes(head + text + binary + attached + "--b1--\r\n");
        String out = text(BinaryParts.toBase64(m));

        assertThat(out).startsWith(head + text).doesNotContain("\u0000").endsWith("--b1--\r\n");
        MimePart root = MimePart.parse(bytes(out));
        assertThat(root.children()).hasSize(3);
        MimePart converted = root.children().get(1);
        assertThat(converted.encoding()).isEqualToIgnoringCase("base64");
        assertThat(text(Base64.getMimeDecoder().decode(out.substring(converted.bodyStart(), converted.end()))))
                .isEqualTo("a\u0000b");
        MimePart inner = root.children().get(2).message();
        assertThat(inner.encoding()).isEqualToIgnoringCase("base64");
        assertThat(text(Base64.getMimeDecoder().decode(out.substring(inner.bodyStart(), inner.end()).trim())))
                .isEqualTo("\u0000\u0001\u0002");
    }

    @Test
    void nulsInAHeaderAreLeftAsTheyAre() {
        byte[] m = bytes("Subject: a\u0000b\r\n\r\nbody\r\n");
        assertThat(BinaryParts.toBase64(m)).isSameAs(m);
    }
}
