package io.yubin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DomainTest {

    @Test
    void lowerCasesAsciiNames() {
        assertThat(Domain.parse("Mail.EXAMPLE.org").ascii()).isEqualTo("mail.example.org");
    }

    @Test
    void stripsOneTrailingDot() {
        assertThat(Domain.parse("example.org.")).isEqualTo(Domain.parse("example.org"));
    }

    @Test
    void refusesTwoTrailingDots() {
        assertThatThrownBy(() -> Domain.parse("example.org.."))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("empty label");
    }

    @Test
    void acceptsSingleLabelNames() {
        assertThat(Domain.parse("localhost").ascii()).isEqualTo("localhost");
    }

    @Test
    void convertsULabelsToALabels() {
        assertThat(Domain.parse("bücher.example").ascii()).isEqualTo("xn--bcher-kva.example");
    }

    @Test
    void aLabelAndULabelSpellingsAreEqual() {
        assertThat(Domain.parse("bücher.example")).isEqualTo(Domain.parse("xn--bcher-kva.example"));
        assertThat(Domain.parse("BÜCHER.example")).isEqualTo(Domain.parse("xn--bcher-kva.example"));
    }

    @Test
    void acceptsMixedCaseALabels() {
        assertThat(Domain.parse("XN--BCHER-KVA.Example").ascii()).isEqualTo("xn--bcher-kva.example");
        assertThat(Domain.parse("Xn--Bcher-Kva.example").unicode()).isEqualTo("bücher.example");
    }

    @Test
    void keepsSharpSUnderNontransitionalProcessing() {
        Domain d = Domain.parse("faß.de");
        assertThat(d.ascii()).isEqualTo("xn--fa-hia.de");
        assertThat(d).isNotEqualTo(Domain.parse("fass.de"));
        assertThat(d.unicode()).isEqualTo("faß.de");
    }

    @Test
    void keepsGreekFinalSigmaUnderNontransitionalProcessing() {
        Domain d = Domain.parse("βόλος.com");
        assertThat(d.ascii()).isEqualTo("xn--nxasmm1c.com");
        assertThat(d).isNotEqualTo(Domain.parse("βόλοσ.com"));
        assertThat(d.unicode()).isEqualTo("βόλος.com");
    }

    @Test
    void mapsIdeographicFullStopsToDots() {
        assertThat(Domain.parse("例子。广告")).isEqualTo(Domain.parse("例子.广告"));
    }

    @Test
    void unicodeFormOfIdnDomains() {
        assertThat(Domain.parse("xn--fsqu00a.example").unicode()).isEqualTo("例子.example");
        assertThat(Domain.parse(Domain.parse("例子.广告").ascii()).unicode()).isEqualTo("例子.广告");
        assertThat(Domain.parse("παράδειγμα.δοκιμή").unicode()).isEqualTo("παράδειγμα.δοκιμή");
    }

    @Test
    void reportsWhetherTheNameIsInternationalized() {
        assertThat(Domain.parse("bücher.example").isInternationalized()).isTrue();
        assertThat(Domain.parse("example.xn--3lr804guic").isInternationalized()).isTrue();
        assertThat(Domain.parse("example.org").isInternationalized()).isFalse();
    }

    @Test
    void refusesUnderscoreNamingTheLabelAndCharacter() {
        assertThatThrownBy(() -> Domain.parse("x.a_b.example"))
                .isInstanceOf(AddressException.class)
                .hasMessage("domain label \"a_b\" has a character not allowed in a host name: '_'")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b.example", "a!b.example", "a@b.example", "a/b.example", "a\u0000b.example"})
    void refusesCharactersOutsideLettersDigitsAndHyphen(String name) {
        assertThatThrownBy(() -> Domain.parse(name))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("has a character not allowed in a host name");
    }

    @Test
    void refusesEmptyDomain() {
        assertThatThrownBy(() -> Domain.parse("")).isInstanceOf(AddressException.class).hasMessage("domain is empty");
        assertThatThrownBy(() -> Domain.parse(".")).isInstanceOf(AddressException.class)
                .hasMessage("domain is empty");
        assertThatThrownBy(() -> Domain.parse(null)).isInstanceOf(AddressException.class);
    }

    @Test
    void refusesEmptyLabels() {
        assertThatThrownBy(() -> Domain.parse("a..example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("empty label at position 2");
        assertThatThrownBy(() -> Domain.parse(".example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("empty label at position 0");
    }

    @Test
    void refusesLeadingAndTrailingHyphens() {
        assertThatThrownBy(() -> Domain.parse("-ab.example"))
                .isInstanceOf(AddressException.class)
                .hasMessage("domain label \"-ab\" starts with a hyphen");
        assertThatThrownBy(() -> Domain.parse("ab-.example"))
                .isInstanceOf(AddressException.class)
                .hasMessage("domain label \"ab-\" ends with a hyphen");
    }

    @Test
    void refusesHyphensInThirdAndFourthPositionsOutsideALabels() {
        assertThatThrownBy(() -> Domain.parse("ab--cd.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("third and fourth positions");
    }

    @Test
    void acceptsHyphensInsideLabels() {
        assertThat(Domain.parse("a-b-c.example").ascii()).isEqualTo("a-b-c.example");
    }

    @Test
    void refusesBrokenALabels() {
        assertThatThrownBy(() -> Domain.parse("xn--a.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("\"xn--a\"");
        assertThatThrownBy(() -> Domain.parse("xn--ASCII-.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("xn--");
    }

    @Test
    void acceptsLabelOfSixtyThreeOctets() {
        String label = "a".repeat(63);
        assertThat(Domain.parse(label + ".example").ascii()).startsWith(label);
    }

    @Test
    void refusesLabelOfSixtyFourOctets() {
        String label = "a".repeat(64);
        assertThatThrownBy(() -> Domain.parse(label + ".example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("\"" + label + "\"")
                .hasMessageContaining("limit is 63");
    }

    @Test
    void refusesULabelWhoseALabelIsTooLong() {
        StringBuilder label = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            label.appendCodePoint(0x4E00 + i);
        }
        assertThatThrownBy(() -> Domain.parse(label + ".example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("limit is 63");
    }

    @Test
    void acceptsNameOf253Octets() {
        String name = ("a".repeat(49) + ".").repeat(5) + "abc"; // 5*50 + 3 = 253
        assertThat(name).hasSize(253);
        assertThat(Domain.parse(name).ascii()).hasSize(253);
        assertThat(Domain.parse(name + ".").ascii()).hasSize(253);
    }

    @Test
    void refusesNameOf254Octets() {
        String name = ("a".repeat(49) + ".").repeat(5) + "abcd";
        assertThatThrownBy(() -> Domain.parse(name))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("limit is 253");
    }

    @Test
    void refusesAllNumericTopLevelLabel() {
        assertThatThrownBy(() -> Domain.parse("192.0.2.1"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("address literal");
    }

    @Test
    void acceptsNumericLabelsBelowTheTopLevel() {
        assertThat(Domain.parse("3com.example").ascii()).isEqualTo("3com.example");
        assertThat(Domain.parse("123.example").ascii()).isEqualTo("123.example");
    }

    @Test
    void refusesAddressLiteralsOutsideAddresses() {
        assertThatThrownBy(() -> Domain.parse("[192.0.2.1]"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("only valid inside an address");
    }

    @Test
    void refusesZeroWidthJoinerOutsideItsContext() {
        assertThatThrownBy(() -> Domain.parse("a\u200Db.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("\"a\u200Db\"");
    }

    @Test
    void refusesBidiRuleViolations() {
        // A right-to-left label may not start with a European digit (RFC 5893 §2 rule 1).
        assertThatThrownBy(() -> Domain.parse("1\u05D0.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("Bidi");
    }

    @Test
    void acceptsRightToLeftNames() {
        assertThat(Domain.parse("\u05D0\u05D1.example").isInternationalized()).isTrue();
    }

    @Test
    void refusesLeadingCombiningMark() {
        assertThatThrownBy(() -> Domain.parse("\u0301a.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("combining mark");
    }

    @Test
    void refusesSymbolsThatIdna2008DisallowsButUts46Accepts() {
        assertThatThrownBy(() -> Domain.parse("i\u2665.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("IDNA2008")
                .hasMessageContaining("U+2665");
        assertThatThrownBy(() -> Domain.parse("xn--i-7iq.example"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("U+2764");
    }

    @Test
    void acceptsIdna2008Exceptions() {
        assertThat(Domain.parse("l\u00B7l.example").ascii()).startsWith("xn--");
        assertThat(Domain.parse("\u0E01\u0E32.example").isInternationalized()).isTrue();
    }

    @Test
    void addressLiteralDomainsAreNotInternationalizedAndKeepTheirForm() {
        Domain d = MailAddress.parse("a@[192.0.2.1]").domain();
        assertThat(d.isAddressLiteral()).isTrue();
        assertThat(d.isInternationalized()).isFalse();
        assertThat(d.unicode()).isEqualTo("[192.0.2.1]");
        assertThat(Domain.parse("example.org").isAddressLiteral()).isFalse();
    }

    @Property
    void parsingIsIdempotentOnTheAsciiForm(@ForAll("domains") String name) {
        Domain d = Domain.parse(name);
        assertThat(Domain.parse(d.ascii())).isEqualTo(d);
        assertThat(Domain.parse(d.unicode())).isEqualTo(d);
    }

    @Property
    void onlyThrowsAddressExceptionForArbitraryText(@ForAll String text) {
        try {
            Domain d = Domain.parse(text);
            assertThat(d.ascii()).isEqualTo(d.ascii().toLowerCase(java.util.Locale.ROOT));
        } catch (AddressException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property
    void onlyThrowsAddressExceptionForDomainLikeText(@ForAll("domainLike") String text) {
        try {
            Domain.parse(text);
        } catch (AddressException expected) {
            assertThat(expected.position()).isBetween(0, text.length());
        }
    }

    @Provide
    Arbitrary<String> domains() {
        Arbitrary<String> label = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzäöüßçéøπλ日本語0123456789")
                .ofMinLength(1).ofMaxLength(12);
        return Combinators.combine(label.list().ofMinSize(0).ofMaxSize(3), Arbitraries.of("example", "org", "de"))
                .as((labels, tld) -> String.join(".", labels) + (labels.isEmpty() ? "" : ".") + tld);
    }

    @Provide
    Arbitrary<String> domainLike() {
        return Arbitraries.strings().withChars("aZ09-._.xn-[]:ü\u200D\u05D0\u0301ß。")
                .ofMaxLength(30);
    }
}
