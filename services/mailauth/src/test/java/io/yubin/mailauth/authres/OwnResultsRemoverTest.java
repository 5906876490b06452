package io.yubin.mailauth.authres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class OwnResultsRemoverTest {

    private static String filter(String message, int max) throws Exception {
        try (InputStream in = OwnResultsRemover.filter(new ByteArrayInputStream(
                message.getBytes(StandardCharsets.ISO_8859_1)), "mx.example.net", max)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void removesFieldsThatClaimOurAuthservIdAndKeepsEverythingElse() throws Exception {
        String message = "Received: from a\r\n"
                + "Authentication-Results: MX.example.NET; dmarc=pass\r\n"
                + "authentication-results: (forged)\r\n  \"mx.example.net\";\r\n\tspf=pass\r\n"
                + "Authentication-Results: other.example; spf=fail\r\n"
                + "Authentication-Results: mx.example.net.evil; spf=pass\r\n"
                + "Subject: x\r\n"
                + "\r\n"
                + "Authentication-Results: mx.example.net; in the body, kept\r\n";

        assertThat(filter(message, 1 << 20)).isEqualTo("Received: from a\r\n"
                + "Authentication-Results: other.example; spf=fail\r\n"
                + "Authentication-Results: mx.example.net.evil; spf=pass\r\n"
                + "Subject: x\r\n"
                + "\r\n"
                + "Authentication-Results: mx.example.net; in the body, kept\r\n");
    }

    @Test
    void messagesWithoutABodyOrWithoutOurFieldsPassUnchanged() throws Exception {
        assertThat(filter("Subject: x\r\n", 1 << 20)).isEqualTo("Subject: x\r\n");
        assertThat(filter("Subject: x", 1 << 20)).isEqualTo("Subject: x");
        assertThat(filter("", 1 << 20)).isEmpty();
        assertThat(filter("\r\nbody\r\n", 1 << 20)).isEqualTo("\r\nbody\r\n");
    }

    @Property
    void withoutOurFieldsTheMessageIsUnchanged(@ForAll @StringLength(max = 300) String header,
            @ForAll @StringLength(max = 100) String body) throws Exception {
        String h = header.replace("\r", "").replace("\n", "\r\n").replaceAll("(?i)authentication-results", "X");
        String message = h + "\r\n\r\n" + body;
        String latin1 = new String(message.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1);

        assertThat(filter(latin1, 64)).isEqualTo(latin1);
        assertThat(filter(latin1, 1 << 20)).isEqualTo(latin1);
    }
}
