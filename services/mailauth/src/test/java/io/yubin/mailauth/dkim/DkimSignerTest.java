package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DkimSignerTest {

    static final String MESSAGE = DkimVerifierTest.MESSAGE;

    @Test
    void signsOncePerKeyRelaxedRelaxedWithTheClockTime() {
        List<String> fields = DkimVerifierTest.signer().sign("example.com", bytes(MESSAGE));

        assertThat(fields).hasSize(2);
        assertThat(fields.get(0)).startsWith("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;")
                .contains("d=example.com;", "s=ed;", "t=" + DkimVerifierTest.NOW.getEpochSecond() + ";");
        assertThat(fields.get(1)).startsWith("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
                .contains("s=rsa;");
        for (String field : fields) {
            assertThat(field).endsWith("\r\n").doesNotContain("\n\r").doesNotContain(" \r\n");
            for (String line : field.split("\r\n")) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(78);
            }
            assertThat(field.split("\r\n", -1)).allSatisfy(line -> assertThat(line).doesNotContain("\n", "\r"));
        }
    }

    @Test
    void oversignsTheDisplayedFieldsAndSignsOthersOnlyWhenPresent() {
        String message = "List-Unsubscribe: <https://example.com/u>\r\nTo: a@example.net\r\nTo: b@example.net\r\n"
                + MESSAGE;

        String h = tag(DkimVerifierTest.signer().sign("example.com", bytes(message)).get(0), "h");

        assertThat(h.split(":")).containsExactly("from", "from", "subject", "subject", "date", "date",
                "to", "to", "to", "to", "cc", "message-id", "message-id", "reply-to", "in-reply-to", "references",
                "mime-version", "mime-version", "content-type", "content-type", "content-transfer-encoding",
                "list-unsubscribe");
    }

    @Test
    void aDomainWithoutKeysGetsNoSignature() {
        assertThat(DkimVerifierTest.signer().sign("example.org", bytes(MESSAGE))).isEmpty();
    }

    @Test
    void theDomainIsWrittenInALabels() {
        DkimSigner signer = new DkimSigner(d -> d.equals("xn--bcher-kva.example")
                ? List.of(new DkimSigningKey("ed", TestKeys.ED25519.getPrivate())) : List.of(),
                DkimVerifierTest.CLOCK);

        assertThat(signer.sign("Bücher.example", bytes(MESSAGE))).singleElement()
                .satisfies(f -> assertThat(f).contains("d=xn--bcher-kva.example;"));
    }

    @Test
    void refusesAMessageWithoutFrom() {
        assertThatThrownBy(() -> DkimVerifierTest.signer().sign("example.com",
                bytes(MESSAGE.replace("From: Alice <alice@example.com>\r\n", ""))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("message has no From field");
    }

    @Test
    void refusesKeysThatMustNotSign() {
        assertThatThrownBy(() -> new DkimSigningKey("weak", TestKeys.rsa(512).getPrivate()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("512 bits");
    }

    @Test
    void signsTheSameFromAStreamAsFromBytes() throws Exception {
        List<String> fromBytes = DkimVerifierTest.signer().sign("example.com", bytes(MESSAGE));
        List<String> fromStream = DkimVerifierTest.signer().sign("example.com",
                new ByteArrayInputStream(bytes(MESSAGE)));

        // Ed25519 is deterministic, and so is RSA PKCS#1 v1.5
        assertThat(fromStream).isEqualTo(fromBytes);
    }

    @Test
    void signsAsTheAuthorsDomainOnlyWhenTheSenderMayAndItHasKeys() throws Exception {
        DkimSigner signer = DkimVerifierTest.signer();

        DkimSigner.Signed signed = signer.signAsAuthor("example.com"::equals,
                new ByteArrayInputStream(bytes(MESSAGE)));
        assertThat(signed.domain()).isEqualTo("example.com");
        assertThat(signed.fields()).isEqualTo(signer.sign("example.com", bytes(MESSAGE)));

        assertThat(signer.signAsAuthor(d -> false, new ByteArrayInputStream(bytes(MESSAGE))))
                .isEqualTo(new DkimSigner.Signed(null, List.of(), "the sender may not sign as example.com"));
        String otherAuthor = MESSAGE.replace("From: Alice <alice@example.com>", "From: Alice <alice@example.org>");
        assertThat(signer.signAsAuthor(d -> true, new ByteArrayInputStream(bytes(otherAuthor))).reason())
                .isEqualTo("no DKIM key for example.org");
        String twoAuthors = MESSAGE.replace("From: Alice <alice@example.com>",
                "From: alice@example.com, mallory@evil.test");
        assertThat(signer.signAsAuthor(d -> true, new ByteArrayInputStream(bytes(twoAuthors))).reason())
                .isEqualTo("no single author domain in From");
        String twoFromFields = "From: mallory@example.com\r\n" + MESSAGE;
        assertThat(signer.signAsAuthor(d -> true, new ByteArrayInputStream(bytes(twoFromFields))).reason())
                .isEqualTo("2 From fields");
    }

    static String tag(String field, String name) {
        String unfolded = field.replace("\r\n", "").replaceAll("[ \t]+", " ");
        Matcher m = Pattern.compile("[; ]" + name + "=([^;]*)").matcher(unfolded);
        assertThat(m.find()).as(name + "= in " + field).isTrue();
        return m.group(1).replace(" ", "");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
