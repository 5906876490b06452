package io.yubin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MailAddressTest {

    private static AbstractThrowableAssert<?, ? extends Throwable> refusing(String text, boolean utf8) {
        return assertThatThrownBy(() -> MailAddress.parse(text, utf8)).isInstanceOf(AddressException.class);
    }

    private static int position(String text) {
        try {
            MailAddress.parse(text);
        } catch (AddressException e) {
            return e.position();
        }
        throw new AssertionError("expected " + text + " to be refused");
    }

    @Test
    void parsesSimpleAddress() {
        MailAddress a = MailAddress.parse("alice@example.org");
        assertThat(a.localPart()).isEqualTo("alice");
        assertThat(a.domain()).isEqualTo(Domain.parse("example.org"));
        assertThat(a).hasToString("alice@example.org");
    }

    @Test
    void keepsLocalPartSpellingButComparesWithoutCase() {
        MailAddress a = MailAddress.parse("Alice.Smith@Example.ORG");
        assertThat(a.localPart()).isEqualTo("Alice.Smith");
        assertThat(a).hasToString("Alice.Smith@example.org");
        assertThat(a).isEqualTo(MailAddress.parse("alice.smith@example.org"));
        assertThat(a.hashCode()).isEqualTo(MailAddress.parse("alice.smith@example.org").hashCode());
        assertThat(a.canonical()).isEqualTo("alice.smith@example.org");
    }

    @ParameterizedTest
    @ValueSource(strings = {"user+tag@example.org", "!#$%&'*+-/=?^_`{|}~@example.org", "a.b.c@example.org",
        "customer/department=shipping@example.com", "$A12345@example.com", "!def!xyz%abc@example.com",
        "_somename@example.com", "x@a", "1@example.org"})
    void acceptsRfc3696DotAtomLocalParts(String text) {
        assertThat(MailAddress.parse(text, false)).hasToString(text);
    }

    @Test
    void quotedAndUnquotedSpellingsAreEqual() {
        MailAddress quoted = MailAddress.parse("\"abc\"@x.example");
        assertThat(quoted.localPart()).isEqualTo("abc");
        assertThat(quoted).isEqualTo(MailAddress.parse("abc@x.example"));
        assertThat(quoted).hasToString("abc@x.example");
    }

    @Test
    void storesQuotedLocalPartWithoutQuotesAndQuotedPairs() {
        MailAddress a = MailAddress.parse("\"Abc\\@def\"@example.com");
        assertThat(a.localPart()).isEqualTo("Abc@def");
        assertThat(a).hasToString("\"Abc@def\"@example.com");
        assertThat(MailAddress.parse("\"Fred\\ Bloggs\"@example.com").localPart()).isEqualTo("Fred Bloggs");
        assertThat(MailAddress.parse("\"Joe.\\\\Blow\"@example.com").localPart()).isEqualTo("Joe.\\Blow");
    }

    @Test
    void quotesLocalPartsThatAreNotDotStrings() {
        assertThat(MailAddress.parse("\"a b\"@example.org")).hasToString("\"a b\"@example.org");
        assertThat(MailAddress.parse("\"a..b\"@example.org")).hasToString("\"a..b\"@example.org");
        assertThat(MailAddress.parse("\".a\"@example.org")).hasToString("\".a\"@example.org");
        assertThat(MailAddress.parse("\"a\\\"b\"@example.org")).hasToString("\"a\\\"b\"@example.org");
        assertThat(MailAddress.parse("\"a\\\\b\"@example.org")).hasToString("\"a\\\\b\"@example.org");
        assertThat(MailAddress.parse("\"a@b\"@example.org")).hasToString("\"a@b\"@example.org");
    }

    @Test
    void acceptsSmtpUtf8LocalPartsAndDomains() {
        MailAddress chinese = MailAddress.parse("用户@例子.广告");
        assertThat(chinese.localPart()).isEqualTo("用户");
        assertThat(chinese.isUtf8()).isTrue();
        assertThat(chinese.domain().unicode()).isEqualTo("例子.广告");
        assertThat(chinese.domain().ascii()).startsWith("xn--fsqu00a.xn--");

        MailAddress greek = MailAddress.parse("δοκιμή@παράδειγμα.δοκιμή");
        assertThat(greek.localPart()).isEqualTo("δοκιμή");
        assertThat(greek.domain().isInternationalized()).isTrue();
        assertThat(MailAddress.parse(greek.toString())).isEqualTo(greek);
    }

    @Test
    void acceptsUtf8InQuotedLocalParts() {
        assertThat(MailAddress.parse("\"Jörg Müller\"@example.de").localPart()).isEqualTo("Jörg Müller");
    }

    @Test
    void refusesUtf8LocalPartWithoutSmtpUtf8() {
        refusing("用户@example.org", false).hasMessageContaining("SMTPUTF8")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(0);
        refusing("\"jörg\"@example.org", false).hasMessageContaining("SMTPUTF8");
    }

    @Test
    void refusesULabelDomainWithoutSmtpUtf8ButAcceptsItsALabel() {
        refusing("user@bücher.example", false).hasMessageContaining("SMTPUTF8");
        assertThat(MailAddress.parse("user@xn--bcher-kva.example", false))
                .isEqualTo(MailAddress.parse("user@bücher.example"));
    }

    @Test
    void comparesLocalPartsAfterNfcAndCaseFolding() {
        MailAddress composed = MailAddress.parse("J\u00D6RG@example.de");
        MailAddress decomposed = MailAddress.parse("jo\u0308rg@example.de");
        assertThat(composed).isEqualTo(decomposed);
        assertThat(composed.localPart()).isEqualTo("J\u00D6RG");
    }

    @Test
    void idnSpellingsOfTheDomainAreEqual() {
        assertThat(MailAddress.parse("a@bücher.example")).isEqualTo(MailAddress.parse("A@XN--BCHER-KVA.example"));
    }

    @Test
    void acceptsIpv4AddressLiteral() {
        MailAddress a = MailAddress.parse("postmaster@[192.0.2.1]");
        assertThat(a.domain().isAddressLiteral()).isTrue();
        assertThat(a.domain().ascii()).isEqualTo("[192.0.2.1]");
        assertThat(a).hasToString("postmaster@[192.0.2.1]");
    }

    @Test
    void normalizesIpv4LiteralWithLeadingZeros() {
        assertThat(MailAddress.parse("a@[192.000.002.001]").domain().ascii()).isEqualTo("[192.0.2.1]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[IPv6:2001:db8::1]", "[ipv6:2001:DB8:0:0:0:0:0:1]", "[IPv6:2001:0db8::0001]",
        "[IPv6:2001:db8:0:0::1]"})
    void normalizesIpv6LiteralsPerRfc5952(String literal) {
        assertThat(MailAddress.parse("a@" + literal).domain().ascii()).isEqualTo("[IPv6:2001:db8::1]");
    }

    @Test
    void normalizesOtherIpv6Forms() {
        assertThat(MailAddress.parse("a@[IPv6:::]").domain().ascii()).isEqualTo("[IPv6:::]");
        assertThat(MailAddress.parse("a@[IPv6:::1]").domain().ascii()).isEqualTo("[IPv6:::1]");
        assertThat(MailAddress.parse("a@[IPv6:1::]").domain().ascii()).isEqualTo("[IPv6:1::]");
        assertThat(MailAddress.parse("a@[IPv6:1:0:0:2:0:0:0:3]").domain().ascii())
                .isEqualTo("[IPv6:1:0:0:2::3]");
        assertThat(MailAddress.parse("a@[IPv6:1:0:2:3:4:5:6:7]").domain().ascii())
                .isEqualTo("[IPv6:1:0:2:3:4:5:6:7]");
        assertThat(MailAddress.parse("a@[IPv6:::ffff:192.0.2.1]").domain().ascii())
                .isEqualTo("[IPv6:::ffff:192.0.2.1]");
        assertThat(MailAddress.parse("a@[IPv6:::ffff:c000:201]").domain().ascii())
                .isEqualTo("[IPv6:::ffff:192.0.2.1]");
        assertThat(MailAddress.parse("a@[IPv6:64:ff9b::192.0.2.1]").domain().ascii())
                .isEqualTo("[IPv6:64:ff9b::c000:201]");
        assertThat(MailAddress.parse("a@[IPv6:1:2:3:4:5:6:192.0.2.1]").domain().ascii())
                .isEqualTo("[IPv6:1:2:3:4:5:6:c000:201]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a@[]", "a@[192.0.2]", "a@[192.0.2.256]", "a@[192.0.2.1.5]", "a@[1922.0.2.1]",
        "a@[192.0.2.-1]", "a@[192.0.2.1", "a@[192.0.2.1]x", "a@[IPv6:]", "a@[IPv6:1:2:3:4:5:6:7]",
        "a@[IPv6:1:2:3:4:5:6:7:8:9]", "a@[IPv6:1::2::3]", "a@[IPv6:12345::1]", "a@[IPv6:g::1]",
        "a@[IPv6:1:2:3:4:5:6:7::]", "a@[IPv6:1:2:3:4:5::192.0.2.1]", "a@[IPv6:192.0.2.1]", "a@[IPv6:1:]",
        "a@[IPv6::1]", "a@[x-tag:abc]", "a@[IPv4:192.0.2.1]", "a@[ 192.0.2.1]", "a@[IPv6:::1.2.3]",
        "a@[１.2.3.4]"})
    void refusesMalformedAddressLiterals(String text) {
        refusing(text, true);
    }

    @Test
    void refusesGeneralAddressLiteralTagsNamingTheTag() {
        refusing("a@[x-tag:abc]", true).hasMessageContaining("\"x-tag\"");
    }

    @Test
    void refusesMissingAt() {
        refusing("alice.example.org", true).hasMessageContaining("no '@'");
        assertThat(position("alice")).isEqualTo(5);
    }

    @Test
    void refusesEmptyLocalPart() {
        refusing("@example.org", true).hasMessageContaining("local part is empty");
        refusing("\"\"@example.org", true).hasMessageContaining("local part is empty");
    }

    @Test
    void refusesEmptyAddress() {
        refusing("", true).hasMessage("address is empty");
        refusing(null, true).hasMessage("address is empty");
    }

    @Test
    void refusesEmptyDomain() {
        refusing("alice@", true).hasMessageContaining("domain is empty");
    }

    @Test
    void refusesConsecutiveDotsInLocalPart() {
        refusing("a..b@example.org", true).hasMessageContaining("consecutive dots");
        assertThat(position("a..b@example.org")).isEqualTo(1);
    }

    @Test
    void refusesLeadingDotInLocalPart() {
        refusing(".a@example.org", true).hasMessageContaining("starts with a dot");
    }

    @Test
    void refusesTrailingDotInLocalPart() {
        refusing("a.@example.org", true).hasMessageContaining("ends with a dot");
        assertThat(position("a.@example.org")).isEqualTo(1);
    }

    @Test
    void refusesBadCharacterNamingItAndItsPosition() {
        refusing("a(b@example.org", true).hasMessage(
                "local part has the character '(' at position 1, which is not allowed unquoted");
        assertThat(position("ab,c@example.org")).isEqualTo(2);
    }

    @Test
    void refusesUnquotedSpace() {
        refusing("a b@example.org", true).hasMessageContaining("space at position 1");
    }

    @Test
    void refusesControlCharacters() {
        refusing("a\u0001b@example.org", true).hasMessageContaining("control character U+0001");
        refusing("\"a\u0007b\"@example.org", true).hasMessageContaining("control character U+0007");
        refusing("a\u0085b@example.org", true).hasMessageContaining("control character U+0085");
        refusing("\"a\nb\"@example.org", true).hasMessageContaining("control character U+000A");
    }

    @Test
    void refusesUnterminatedQuotedString() {
        refusing("\"abc@example.org", true).hasMessageContaining("unterminated");
        refusing("\"abc\\", true).hasMessageContaining("unterminated");
    }

    @Test
    void refusesQuotedPairOfNonPrintable() {
        refusing("\"a\\\u0001\"@example.org", true).hasMessageContaining("only printable ASCII may be quoted");
    }

    @Test
    void refusesMixOfQuotedAndDottedParts() {
        refusing("\"a\".b@example.org", true).hasMessageContaining("after the quoted local part");
        refusing("a.\"b\"@example.org", true).hasMessageContaining("quote at position 2");
    }

    @Test
    void refusesSecondAt() {
        refusing("a@b@example.org", true).hasMessageContaining("'@'");
    }

    @Test
    void refusesTrailingDotInDomain() {
        refusing("a@example.org.", true).hasMessageContaining("ends with a dot");
    }

    @Test
    void refusesDomainErrorsWithPositionInTheAddress() {
        assertThat(position("alice@a_b.example")).isEqualTo(7);
        refusing("alice@a_b.example", true).hasMessageContaining("'_'");
    }

    @Test
    void refusesUnpairedSurrogate() {
        refusing("a\uD800b@example.org", true).hasMessageContaining("unpaired surrogate");
    }

    @Test
    void acceptsLocalPartOf64Octets() {
        String local = "a".repeat(64);
        assertThat(MailAddress.parse(local + "@example.org").localPart()).isEqualTo(local);
        String utf8 = "ü".repeat(32);
        assertThat(MailAddress.parse(utf8 + "@example.org").localPart()).isEqualTo(utf8);
    }

    @Test
    void refusesLocalPartOver64Octets() {
        refusing("a".repeat(65) + "@example.org", true).hasMessageContaining("65 octets");
        refusing("ü".repeat(33) + "@example.org", true).hasMessageContaining("66 octets");
        refusing("\"" + "a".repeat(63) + "\"@example.org", true).hasMessageContaining("65 octets");
    }

    @Test
    void refusesDomainOver255Octets() {
        refusing("a@" + "ü".repeat(130), true).hasMessageContaining("limit is 255");
    }

    @Test
    void isUtf8OnlyForNonAsciiLocalParts() {
        assertThat(MailAddress.parse("a@bücher.example").isUtf8()).isFalse();
        assertThat(MailAddress.parse("ä@example.org").isUtf8()).isTrue();
    }

    @Property
    void parsingTheTextFormGivesAnEqualAddress(@ForAll("addresses") MailAddress a) {
        MailAddress again = MailAddress.parse(a.toString());
        assertThat(again).isEqualTo(a);
        assertThat(again.localPart()).isEqualTo(a.localPart());
        assertThat(again.domain()).isEqualTo(a.domain());
    }

    @Property
    void textFormIsNoLongerThanAnyAcceptedSpelling(@ForAll("addressTexts") String text) {
        MailAddress a = MailAddress.parse(text);
        String local = AddressParser.formatLocalPart(a.localPart());
        assertThat(local.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
    }

    @Property
    void onlyThrowsAddressExceptionForArbitraryText(@ForAll String text, @ForAll boolean utf8) {
        try {
            MailAddress.parse(text, utf8);
        } catch (AddressException expected) {
            assertThat(expected.position()).isBetween(0, text.length());
        }
    }

    @Property
    void onlyThrowsAddressExceptionForAddressLikeText(@ForAll("addressLike") String text, @ForAll boolean utf8) {
        try {
            MailAddress a = MailAddress.parse(text, utf8);
            assertThat(MailAddress.parse(a.toString(), true)).isEqualTo(a);
        } catch (AddressException expected) {
            assertThat(expected.position()).isBetween(0, text.length());
        }
    }

    @Property
    void ipv6LiteralsNormalizeToTheSameAddress(@ForAll("ipv6Groups") int[] groups) throws Exception {
        StringBuilder full = new StringBuilder();
        for (int g : groups) {
            full.append(full.length() == 0 ? "" : ":").append(String.format("%04X", g));
        }
        String literal = MailAddress.parse("a@[IPv6:" + full + "]").domain().ascii();
        assertThat(literal).startsWith("[IPv6:").endsWith("]").isEqualTo(literal.toLowerCase(java.util.Locale.ROOT)
                .replace("[ipv6:", "[IPv6:"));
        String normalized = literal.substring(6, literal.length() - 1);
        byte[] expected = new byte[16];
        for (int i = 0; i < 8; i++) {
            expected[2 * i] = (byte) (groups[i] >> 8);
            expected[2 * i + 1] = (byte) groups[i];
        }
        byte[] actual = java.net.InetAddress.getByName("[" + normalized + "]").getAddress();
        if (actual.length == 4) {
            // the JDK turns IPv4-mapped addresses into IPv4 addresses
            assertThat(normalized).startsWith("::ffff:");
            assertThat(java.util.Arrays.copyOfRange(expected, 12, 16)).isEqualTo(actual);
        } else {
            assertThat(actual).isEqualTo(expected);
        }
        assertThat(MailAddress.parse("a@" + literal).domain().ascii()).isEqualTo(literal);
    }

    @Provide
    Arbitrary<int[]> ipv6Groups() {
        Arbitrary<Integer> group = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.just(0xffff),
                Arbitraries.integers().between(0, 0xffff));
        return group.array(int[].class).ofSize(8);
    }

    @Provide
    Arbitrary<MailAddress> addresses() {
        Arbitrary<String> dotString = Arbitraries.strings().withChars("abcXYZ019!#$%&'*+-/=?^_`{|}~äß用")
                .ofMinLength(1).ofMaxLength(10).list().ofMinSize(1).ofMaxSize(3).map(l -> String.join(".", l));
        Arbitrary<String> quoted = Arbitraries.strings().withChars("ab .\"\\@()<>[]:,;ü")
                .ofMinLength(1).ofMaxLength(30);
        Arbitrary<String> local = Arbitraries.oneOf(dotString, quoted);
        Arbitrary<Domain> domain = Arbitraries.oneOf(
                Arbitraries.of("example.org", "bücher.example", "xn--fsqu00a.example", "παράδειγμα.δοκιμή", "x")
                        .map(Domain::parse),
                Arbitraries.of("[192.0.2.1]", "[IPv6:2001:db8::1]", "[IPv6:::ffff:10.0.0.1]").map(Domain::new));
        return Combinators.combine(local, domain).as(MailAddress::new);
    }

    @Provide
    Arbitrary<String> addressTexts() {
        return addresses().map(MailAddress::toString);
    }

    @Provide
    Arbitrary<String> addressLike() {
        return Arbitraries.strings().withChars("ab.@\"\\ []:IPv6.019xn--ü用\u0001\uD800-_,<>")
                .ofMaxLength(40);
    }
}
