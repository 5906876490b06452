package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Whatever bytes a message holds, what the signer signs, the verifier verifies. */
class DkimPropertiesTest {

    final TestKeys.MapLookup dns = new TestKeys.MapLookup()
            .put(DkimVerifierTest.KEY_RSA, TestKeys.record(TestKeys.RSA_2048))
            .put(DkimVerifierTest.KEY_ED, TestKeys.record(TestKeys.ED25519));

    @Property(tries = 300)
    void signThenVerifyPasses(@ForAll("messages") byte[] message) {
        byte[] signed = signed(message);

        assertThat(verify(signed)).hasSize(2).allSatisfy(r -> assertThat(r.status()).as(r.reason())
                .isEqualTo(DkimStatus.PASS));
    }

    @Property(tries = 300)
    void aChangedBodyByteFailsExactlyWhenTheCanonicalBodyChanges(@ForAll("messages") byte[] message,
            @ForAll @IntRange(min = 0, max = 10_000) int where, @ForAll byte value) {
        byte[] signed = signed(message);
        int bodyStart = bodyStart(signed);
        if (bodyStart >= signed.length) {
            return;
        }
        byte[] changed = signed.clone();
        int at = bodyStart + where % (signed.length - bodyStart);
        changed[at] = value;
        boolean canonicalChanged = !Arrays.equals(relaxedBody(signed, bodyStart), relaxedBody(changed, bodyStart));

        assertThat(verify(changed)).hasSize(2).allSatisfy(r -> {
            if (canonicalChanged) {
                assertThat(r.status()).isEqualTo(DkimStatus.FAIL);
                assertThat(r.reason()).isEqualTo("body hash did not verify");
            } else {
                assertThat(r.status()).isEqualTo(DkimStatus.PASS);
            }
        });
    }

    @Provide
    Arbitrary<byte[]> messages() {
        Arbitrary<String> name = Arbitraries.of("From", "To", "Cc", "Subject", "SUBJECT", "Date", "Message-ID",
                "Reply-To", "content-type", "Received", "X-Custom", "Sender");
        // field bodies: any byte but CR and LF (SMTP refuses bare ones), folded now and then
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.bytes().filter(b -> b != '\r' && b != '\n').map(b -> latin1(new byte[] {b})),
                Arbitraries.of(" ", "\t", "\r\n ", "\r\n\t", ":", ";", "b=", "\u00e9"))
                .list().ofMaxSize(20).map(l -> String.join("", l));
        Arbitrary<String> field = Combinators.combine(name, Arbitraries.of("", " ", "\t "), value)
                .as((n, s, v) -> n + s + ":" + v + "\r\n");
        Arbitrary<List<String>> fields = field.list().ofMaxSize(8);
        // bodies: any bytes, with CRLF and WSP made frequent
        Arbitrary<String> body = Arbitraries.oneOf(
                Arbitraries.bytes().map(b -> latin1(new byte[] {b})),
                Arbitraries.of("\r\n", "\r\n", " ", "\t", "  ", "line"))
                .list().ofMaxSize(60).map(l -> String.join("", l));
        return Combinators.combine(fields, body, Arbitraries.of(true, false)).as((f, b, blank) -> {
            String header = "From: <a@example.com>\r\n" + String.join("", f);
            return (b.isEmpty() && !blank ? header : header + "\r\n" + b).getBytes(StandardCharsets.ISO_8859_1);
        });
    }

    private byte[] signed(byte[] message) {
        List<String> fields = DkimVerifierTest.signer().sign("example.com", message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fields.forEach(f -> out.writeBytes(f.getBytes(StandardCharsets.US_ASCII)));
        out.writeBytes(message);
        return out.toByteArray();
    }

    private List<DkimResult> verify(byte[] message) {
        return DkimVerifierTest.verify(dns, new ByteArrayInputStream(message));
    }

    private static int bodyStart(byte[] m) {
        for (int i = 0; i + 3 < m.length; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n' && m[i + 2] == '\r' && m[i + 3] == '\n') {
                return i + 4;
            }
        }
        return m.length;
    }

    private static byte[] relaxedBody(byte[] message, int from) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BodyCanonicalizer c = Canonicalization.RELAXED.body(out::write);
        c.update(message, from, message.length - from);
        c.finish();
        return out.toByteArray();
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
