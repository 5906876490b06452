package io.yubin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpPathTest {

    @Test
    void nullReversePathIsNull() {
        assertThat(SmtpPath.parseReversePath("<>", false)).isNull();
    }

    @Test
    void parsesReversePath() {
        assertThat(SmtpPath.parseReversePath("<alice@example.org>", false))
                .isEqualTo(MailAddress.parse("alice@example.org"));
    }

    @Test
    void parsesForwardPath() {
        assertThat(SmtpPath.parseForwardPath("<Bob@Example.org>", false))
                .isEqualTo(MailAddress.parse("bob@example.org"));
    }

    @Test
    void refusesNullPathAsRecipient() {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<>", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("not a valid recipient");
    }

    @Test
    void acceptsAndIgnoresSourceRoute() {
        assertThat(SmtpPath.parseForwardPath("<@relay1.example,@relay2.example:bob@example.org>", false))
                .isEqualTo(MailAddress.parse("bob@example.org"));
        assertThat(SmtpPath.parseReversePath("<@relay.example:alice@example.org>", false))
                .isEqualTo(MailAddress.parse("alice@example.org"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"<@:bob@example.org>", "<@relay.example bob@example.org>", "<@relay.example>",
        "<@relay.example,bob@example.org>", "<@a_b.example:bob@example.org>", "<@[192.0.2.1]:bob@example.org>",
        "<@relay.example,:bob@example.org>"})
    void refusesMalformedSourceRoutes(String path) {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath(path, false)).isInstanceOf(AddressException.class);
    }

    @Test
    void acceptsQuotedLocalPartContainingAngleBracket() {
        assertThat(SmtpPath.parseForwardPath("<\"a>b\"@example.org>", false).localPart()).isEqualTo("a>b");
    }

    @Test
    void acceptsAddressLiteral() {
        assertThat(SmtpPath.parseForwardPath("<postmaster@[IPv6:2001:DB8::1]>", false).domain().ascii())
                .isEqualTo("[IPv6:2001:db8::1]");
    }

    @Test
    void acceptsUtf8OnlyWithSmtpUtf8() {
        assertThat(SmtpPath.parseForwardPath("<用户@例子.广告>", true).localPart()).isEqualTo("用户");
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<用户@例子.广告>", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("SMTPUTF8");
    }

    @Test
    void recognizesBarePostmasterInAnyCase() {
        assertThat(SmtpPath.isBarePostmaster("<Postmaster>")).isTrue();
        assertThat(SmtpPath.isBarePostmaster("<POSTMASTER>")).isTrue();
        assertThat(SmtpPath.isBarePostmaster("<postmaster@example.org>")).isFalse();
        assertThat(SmtpPath.isBarePostmaster("Postmaster")).isFalse();
        assertThat(SmtpPath.isBarePostmaster(null)).isFalse();
    }

    @Test
    void forwardPathRefusesBarePostmasterPointingToTheCheck() {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<postmaster>", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("RFC 5321 §4.1.1.3");
    }

    @Test
    void refusesMissingOpeningBracket() {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("bob@example.org>", false))
                .isInstanceOf(AddressException.class)
                .hasMessage("path must start with '<'");
    }

    @Test
    void refusesMissingClosingBracket() {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<bob@example.org", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("no closing '>'");
    }

    @Test
    void refusesSpaces() {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath(" <bob@example.org>", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("space");
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("< bob@example.org>", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("space at position 1");
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<bob@example.org >", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("' '");
    }

    @Test
    void refusesTrailingJunk() {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<bob@example.org>x", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("after the closing '>'")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(17);
        assertThatThrownBy(() -> SmtpPath.parseReversePath("<>x", false)).isInstanceOf(AddressException.class);
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<[192.0.2.1]x>", false))
                .isInstanceOf(AddressException.class);
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("<a@[192.0.2.1]x>", false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("expected '>'");
    }

    @Test
    void refusesPathOver256Octets() {
        String path = "<" + "a".repeat(64) + "@" + ("b".repeat(60) + ".").repeat(3) + "c".repeat(10) + ">";
        assertThat(path.length()).isGreaterThan(256);
        assertThatThrownBy(() -> SmtpPath.parseForwardPath(path, false))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("limit is 256");
    }

    @Test
    void refusesEmptyPath() {
        assertThatThrownBy(() -> SmtpPath.parseForwardPath("", false)).isInstanceOf(AddressException.class)
                .hasMessage("path is empty");
        assertThatThrownBy(() -> SmtpPath.parseReversePath(null, false)).isInstanceOf(AddressException.class);
    }

    @Property
    void pathOfAnAddressParsesToThatAddress(@ForAll("addressTexts") String address) {
        MailAddress a = MailAddress.parse(address);
        assertThat(SmtpPath.parseForwardPath("<" + a + ">", true)).isEqualTo(a);
        assertThat(SmtpPath.parseReversePath("<@relay.example:" + a + ">", true)).isEqualTo(a);
    }

    @Property
    void onlyThrowsAddressExceptionForArbitraryText(@ForAll String text, @ForAll boolean utf8) {
        try {
            SmtpPath.parseReversePath(text, utf8);
            SmtpPath.parseForwardPath(text, utf8);
        } catch (AddressException expected) {
            assertThat(expected.position()).isBetween(0, text.length());
        }
    }

    @Property
    void onlyThrowsAddressExceptionForPathLikeText(@ForAll("pathLike") String text, @ForAll boolean utf8) {
        try {
            SmtpPath.parseForwardPath(text, utf8);
        } catch (AddressException expected) {
            assertThat(expected.position()).isBetween(0, text.length());
        }
    }

    @Provide
    Arbitrary<String> addressTexts() {
        return Arbitraries.of("a@example.org", "\"a b\"@example.org", "用户@例子.广告", "x@[192.0.2.1]",
                "\"a>b\"@x", "postmaster@[IPv6:::1]");
    }

    @Provide
    Arbitrary<String> pathLike() {
        Arbitrary<String> text = Arbitraries.strings().withChars("<>@,:ab.\"\\ []019ü").ofMaxLength(30);
        return Arbitraries.oneOf(text, text.map(s -> "<" + s), text.map(s -> "<@r.example:" + s));
    }
}
