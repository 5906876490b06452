package io.yubin.mailauth.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MacroStringTest {

    /** RFC 7208 §7.4: sender strong-bad@email.example.com, client 192.0.2.3 (or 2001:db8::cb01). */
    private static MacroString.Values rfcExample(String client) throws Exception {
        byte[] ip = InetAddress.getByName(client).getAddress();
        return letter -> switch (letter) {
            case 's' -> "strong-bad@email.example.com";
            case 'l' -> "strong-bad";
            case 'o', 'd' -> "email.example.com";
            case 'i' -> IpAddresses.dotted(ip);
            case 'v' -> ip.length == 4 ? "in-addr" : "ip6";
            case 'p' -> "mx.example.org";
            default -> throw new IllegalArgumentException("letter " + letter);
        };
    }

    private static String expand(String macro, MacroString.Kind kind, MacroString.Values values) throws Exception {
        return MacroString.parse(macro, kind).expand(values);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%{s}|strong-bad@email.example.com",
        "%{o}|email.example.com",
        "%{d}|email.example.com",
        "%{d4}|email.example.com",
        "%{d3}|email.example.com",
        "%{d2}|example.com",
        "%{d1}|com",
        "%{dr}|com.example.email",
        "%{d2r}|example.email",
        "%{l}|strong-bad",
        "%{l-}|strong.bad",
        "%{lr}|strong-bad",
        "%{lr-}|bad.strong",
        "%{l1r-}|strong",
        "%{ir}.%{v}._spf.%{d2}|3.2.0.192.in-addr._spf.example.com",
        "%{lr-}.lp._spf.%{d2}|bad.strong.lp._spf.example.com",
        "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}|bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}|3.2.0.192.in-addr.strong.lp._spf.example.com",
        "%{d2}.trusted-domains.example.net|example.com.trusted-domains.example.net",
    })
    void expandsTheExamplesOfRfc7208Section7_4(String macro, String expansion) throws Exception {
        assertThat(expand(macro, MacroString.Kind.DOMAIN_SPEC, rfcExample("192.0.2.3"))).isEqualTo(expansion);
    }

    @Test
    void expandsTheIpv6ExampleOfRfc7208Section7_4() throws Exception {
        // the RFC writes the nibbles in lower case, the test suite (and pyspf) in upper case; DNS
        // does not care, and %{i} follows the suite
        assertThat(expand("%{ir}.%{v}._spf.%{d2}", MacroString.Kind.DOMAIN_SPEC, rfcExample("2001:db8::cb01")))
                .isEqualToIgnoringCase("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
    }

    @Test
    void expandsEscapesAndUrlEscapesUpperCaseMacros() throws Exception {
        MacroString.Values values = letter -> "~jack&jill=up-a_b3.c é";
        assertThat(expand("a%%b%_c%-d.example.com", MacroString.Kind.DOMAIN_SPEC, values))
                .isEqualTo("a%b c%20d.example.com");
        assertThat(expand("%{L}", MacroString.Kind.EXPLANATION, values)).isEqualTo("~jack%26jill%3Dup-a_b3.c%20%C3%A9");
    }

    @Test
    void explanationsMayHoldSpacesAndTheExplanationOnlyLetters() throws Exception {
        MacroString.Values values = letter -> String.valueOf(letter);
        assertThat(expand("from %{c} at %{r} on %{t}", MacroString.Kind.EXPLANATION, values))
                .isEqualTo("from c at r on t");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "%", "foo%", "%x.example.com", "%(ir).example.com", "%{x}.example.com",
        "%{d0}.example.com", "%{d", "%{d2r.example.com", "%{c}.example.com", "%{r}.example.com", "%{t}.example.com",
        "a b.example.com", "a\u0000.example.com", "caf\u00e9.example.com", "example", "example.", "example.123",
        "example.-com", "example.com-", "example.com:8080", "example.com/24", "foo.%{d}com", "foo%{d}.%-com"})
    void refusesBadDomainSpecs(String spec) {
        assertThatThrownBy(() -> MacroString.parse(spec, MacroString.Kind.DOMAIN_SPEC))
                .isInstanceOf(SpfSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "example.com.", "%{d}", "foo.%{d2}", "%{ir}.%{v}._spf.%{d2}",
        "a:b/c.example.com", "foo.xn--zckzah", "foo.1-2", "x%%", "x%_", "x%-", "%{D1000R.-+,/_=}"})
    void acceptsGoodDomainSpecs(String spec) throws Exception {
        MacroString parsed = MacroString.parse(spec, MacroString.Kind.DOMAIN_SPEC);
        assertThat(MacroString.parse(parsed.toString(), MacroString.Kind.DOMAIN_SPEC)).isEqualTo(parsed);
    }

    @Property
    void parsingNeverFailsOtherwiseAndWritesBackToTheSameMacroString(@ForAll("macroStrings") String text) {
        for (MacroString.Kind kind : MacroString.Kind.values()) {
            MacroString parsed;
            try {
                parsed = MacroString.parse(text, kind);
            } catch (SpfSyntaxException refused) {
                continue;
            }
            try {
                assertThat(MacroString.parse(parsed.toString(), kind)).isEqualTo(parsed);
            } catch (SpfSyntaxException e) {
                throw new AssertionError(parsed + " no longer parses: " + e.getMessage(), e);
            }
        }
    }

    @Property
    void keepingTheRightmostPartsNeverGrowsTheValue(@ForAll("labels") String value, @ForAll("digits") int keep) throws Exception {
        String kept = expand("%{d" + keep + "}", MacroString.Kind.MODIFIER_VALUE, letter -> value);
        assertThat(value).endsWith(kept);
        assertThat(kept.split("\\.", -1).length).isEqualTo(Math.min(keep, value.split("\\.", -1).length));
    }

    @Provide
    Arbitrary<String> macroStrings() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abc.-_:/ %{}0129rRslodiphcrtvSLODIPHCRTVx+,=é\u0000").ofMaxLength(6),
                Arbitraries.of("%{d}", "%{ir}", "%{l2r-}", "%{D}", "%%", "%_", "%-", ".com", ".example.", "%{c}", "%{p}"));
        return piece.list().ofMaxSize(6).map(pieces -> String.join("", pieces));
    }

    @Provide
    Arbitrary<String> labels() {
        return Arbitraries.strings().withChars("ab.").ofMinLength(1).ofMaxLength(20);
    }

    @Provide
    Arbitrary<Integer> digits() {
        return Arbitraries.integers().between(1, 12);
    }
}
