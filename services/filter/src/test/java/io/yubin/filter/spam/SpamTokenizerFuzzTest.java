package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The tokenizer takes whatever arrives on port 25: it never throws, and its output stays bounded. */
class SpamTokenizerFuzzTest {

    private static final String MESSAGE = """
            From: "A" <a@example.com>\r
            Subject: =?utf-8?b?SGVsbG8=?= offer\r
            Content-Type: multipart/alternative; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            caf=C3=A9 http://www.example.com/x\r
            --b\r
            Content-Type: text/html\r
            Content-Transfer-Encoding: base64\r
            \r
            PGI+aGk8L2I+PCEtLSB4IC0tPiZhbXA7\r
            --b--\r
            """;

    private final SpamTokenizer tokenizer = new SpamTokenizer();

    @Property(tries = 300)
    void anyOctetsGiveBoundedDistinctFeatures(@ForAll byte[] octets) {
        long[] features = tokenizer.features(octets);
        assertThat(features.length).isBetween(1, SpamTokenizer.MAX_FEATURES);
        assertThat(features).doesNotHaveDuplicates();
    }

    @Property(tries = 500)
    void aMimeMessageWithOctetsChangedStillTokenizes(@ForAll("mutations") int[] changes) {
        byte[] message = MESSAGE.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 1 < changes.length; i += 2) {
            message[Math.floorMod(changes[i], message.length)] = (byte) changes[i + 1];
        }
        assertThat(tokenizer.features(message).length).isBetween(1, SpamTokenizer.MAX_FEATURES);
    }

    @Provide
    Arbitrary<int[]> mutations() {
        return Arbitraries.integers().array(int[].class).ofMinSize(2).ofMaxSize(40);
    }
}
