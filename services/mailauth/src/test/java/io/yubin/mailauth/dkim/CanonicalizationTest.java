package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalizationTest {

    // RFC 6376 §3.4.6, the example of both algorithms
    static final String EXAMPLE_HEADER = "A: X\r\nB : Y\t\r\n\tZ  \r\n";
    static final String EXAMPLE_BODY = " C \r\nD \t E\r\n\r\n\r\n";

    @Test
    void relaxedHeaderOfSection346Example() {
        List<HeaderField> fields = MessageReader.fields(bytes(EXAMPLE_HEADER));

        assertThat(fields).hasSize(2);
        assertThat(text(Canonicalization.RELAXED.header(fields.get(0).raw()))).isEqualTo("a:X\r\n");
        assertThat(text(Canonicalization.RELAXED.header(fields.get(1).raw()))).isEqualTo("b:Y Z\r\n");
    }

    @Test
    void simpleHeaderOfSection346ExampleIsUnchanged() {
        List<HeaderField> fields = MessageReader.fields(bytes(EXAMPLE_HEADER));

        assertThat(text(Canonicalization.SIMPLE.header(fields.get(0).raw()))).isEqualTo("A: X\r\n");
        assertThat(text(Canonicalization.SIMPLE.header(fields.get(1).raw()))).isEqualTo("B : Y\t\r\n\tZ  \r\n");
    }

    @Test
    void bodiesOfSection346Example() {
        assertThat(body(Canonicalization.RELAXED, EXAMPLE_BODY)).isEqualTo(" C\r\nD E\r\n");
        assertThat(body(Canonicalization.SIMPLE, EXAMPLE_BODY)).isEqualTo(" C \r\nD \t E\r\n");
    }

    @ParameterizedTest(name = "{0} [{1}] -> [{2}]")
    @CsvSource(delimiter = '|', value = {
        // §3.4.3: an empty body, or one of empty lines only, is one CRLF; relaxed (§3.4.4) leaves it empty
        "SIMPLE|''|\\r\\n",
        "RELAXED|''|''",
        "SIMPLE|\\r\\n\\r\\n\\r\\n|\\r\\n",
        "RELAXED|\\r\\n\\r\\n\\r\\n|''",
        // a body without a final CRLF gets one
        "SIMPLE|abc|abc\\r\\n",
        "RELAXED|abc|abc\\r\\n",
        // lines of WSP only are empty lines for relaxed, content for simple
        "RELAXED|a\\r\\n \\t\\r\\n\\r\\n|a\\r\\n",
        "SIMPLE|a\\r\\n \\t\\r\\n\\r\\n|a\\r\\n \\t\\r\\n",
        // empty lines inside the body stay
        "SIMPLE|a\\r\\n\\r\\n\\r\\nb\\r\\n\\r\\n|a\\r\\n\\r\\n\\r\\nb\\r\\n",
        "RELAXED|a  \\t b\\t\\r\\n\\r\\n  c\\r\\n|a b\\r\\n\\r\\n c\\r\\n",
        // only CRLF ends a line: a bare CR or LF is content, and WSP before it is not trailing
        "RELAXED|a \\rb\\n \\r\\n|a \\rb\\n\\r\\n",
        "SIMPLE|a\\r\\r\\n\\n|a\\r\\r\\n\\n\\r\\n",
        // an unterminated last line keeps its reduced WSP, as dkimpy reads §3.4.4
        "RELAXED|'a\\r\\nb  '|'a\\r\\nb \\r\\n'",
        // 8-bit bytes are content
        "RELAXED|\u00e9t\u00e9 \\r\\n|\u00e9t\u00e9\\r\\n"})
    void canonicalizesBodies(Canonicalization c, String body, String expected) {
        assertThat(body(c, unescape(body))).isEqualTo(unescape(expected));
    }

    @Test
    void emptyBodyHashesAreTheOnesOfSections343And344() throws Exception {
        assertThat(Base64.getEncoder().encodeToString(sha256(body(Canonicalization.SIMPLE, ""))))
                .isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(Base64.getEncoder().encodeToString(sha256(body(Canonicalization.RELAXED, ""))))
                .isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    @Test
    void relaxedHeaderLowersTheNameOnlyAndTrimsAroundTheColon() {
        assertThat(text(Canonicalization.RELAXED.header(bytes("SUBJECT \t:\t  Hello  World\t\r\n"))))
                .isEqualTo("subject:Hello World\r\n");
        assertThat(text(Canonicalization.RELAXED.header(bytes("X-Empty:\r\n")))).isEqualTo("x-empty:\r\n");
        assertThat(text(Canonicalization.RELAXED.header(bytes("X-Folded: a\r\n\r\n b\r\n"))))
                .isEqualTo("x-folded:a b\r\n");
    }

    /** The streaming canonicalizers agree with dkimpy's regular-expression formulation, byte for byte. */
    @Property(tries = 2000)
    void bodyAgreesWithTheRegexFormulation(@ForAll("bodies") String body) {
        assertThat(body(Canonicalization.SIMPLE, body)).isEqualTo(referenceSimple(body));
        assertThat(body(Canonicalization.RELAXED, body)).isEqualTo(referenceRelaxed(body));
    }

    @Property(tries = 1000)
    void bodyDoesNotDependOnHowItIsCut(@ForAll("bodies") String body, @ForAll("cuts") List<Integer> cuts) {
        for (Canonicalization c : Canonicalization.values()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BodyCanonicalizer canonicalizer = c.body(out::write);
            byte[] b = bytes(body);
            int at = 0;
            for (int cut : cuts) {
                int n = Math.min(cut, b.length - at);
                canonicalizer.update(b, at, n);
                at += n;
            }
            canonicalizer.update(b, at, b.length - at);
            long length = canonicalizer.finish();

            assertThat(text(out.toByteArray())).isEqualTo(body(c, body));
            assertThat(length).isEqualTo(out.size());
        }
    }

    /**
     * Over bodies in wire format (ending in CRLF, as SMTP delivers them). A last line without CRLF
     * and of WSP only is the one exception: relaxed makes it " CRLF", which is then an empty line.
     */
    @Property(tries = 1000)
    void bodyCanonicalizationIsIdempotent(@ForAll("bodies") String content) {
        String body = content + "\r\n";
        for (Canonicalization c : Canonicalization.values()) {
            String once = body(c, body);
            assertThat(body(c, once)).isEqualTo(once);
        }
    }

    @Property(tries = 1000)
    void relaxedHeaderIsIdempotentAndAgreesWithTheRegexFormulation(@ForAll("fields") String field) {
        String once = text(Canonicalization.RELAXED.header(bytes(field)));

        assertThat(text(Canonicalization.RELAXED.header(bytes(once)))).isEqualTo(once);
        assertThat(once).isEqualTo(referenceRelaxedHeader(field));
        assertThat(text(Canonicalization.SIMPLE.header(bytes(field)))).isEqualTo(field);
    }

    @Provide
    Arbitrary<String> bodies() {
        return Arbitraries.of("a", "b", " ", "\t", "\r", "\n", "\r\n", "\r\n", "\u00e9", "\u0000")
                .list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 7).list().ofMaxSize(10);
    }

    @Provide
    Arbitrary<String> fields() {
        Arbitrary<String> name = Arbitraries.strings().withChars("aBz-X").ofMinLength(1).ofMaxLength(6);
        Arbitrary<String> value = Arbitraries.of("v", "W", " ", "\t", "\r\n ", "\r\n\t", ":", "\u00fc")
                .list().ofMaxSize(15).map(l -> String.join("", l));
        Arbitrary<String> beforeColon = Arbitraries.of("", " ", "\t ");
        return net.jqwik.api.Combinators.combine(name, beforeColon, value)
                .as((n, b, v) -> n + b + ":" + v + "\r\n");
    }

    // dkimpy 1.1 canonicalization.py, transcribed: the regex form of §3.4.3 and §3.4.4
    static String referenceSimple(String body) {
        return stripTrailingLines(body);
    }

    static String referenceRelaxed(String body) {
        String s = stripTrailingLines(body.replaceAll("[\t ]+\r\n", "\r\n").replaceAll("[\t ]+", " "));
        return s.equals("\r\n") ? "" : s;
    }

    static String referenceRelaxedHeader(String field) {
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).toLowerCase(java.util.Locale.ROOT).replaceAll("[\t ]+$", "");
        String value = field.substring(colon + 1).replace("\r\n", "").replaceAll("[\t ]+", " ").strip();
        return name + ":" + value + "\r\n";
    }

    private static String stripTrailingLines(String s) {
        Matcher m = Pattern.compile("(\r\n)+\\z").matcher(s);
        return m.find() ? s.substring(0, m.start()) + "\r\n" : s + "\r\n";
    }

    static String body(Canonicalization c, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BodyCanonicalizer canonicalizer = c.body(out::write);
        byte[] b = bytes(body);
        canonicalizer.update(b, 0, b.length);
        canonicalizer.finish();
        return text(out.toByteArray());
    }

    private static byte[] sha256(String s) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes(s));
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
