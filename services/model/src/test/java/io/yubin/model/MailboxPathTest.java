package io.yubin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MailboxPathTest {

    @ParameterizedTest
    @ValueSource(strings = {"INBOX", "inbox", "InBoX", "iNBOX"})
    void inboxInAnyCaseIsInbox(String name) {
        MailboxPath p = MailboxPath.parse(name);
        assertThat(p).isEqualTo(MailboxPath.INBOX);
        assertThat(p.isInbox()).isTrue();
    }

    @Test
    void inboxAsFirstSegmentIsNormalized() {
        assertThat(MailboxPath.parse("inbox/Lists/Java").name()).isEqualTo("INBOX/Lists/Java");
    }

    @Test
    void inboxElsewhereKeepsItsCase() {
        assertThat(MailboxPath.parse("Archive/inbox").name()).isEqualTo("Archive/inbox");
        assertThat(MailboxPath.parse("inboxes").name()).isEqualTo("inboxes");
        assertThat(MailboxPath.parse("Inbox2/x").name()).isEqualTo("Inbox2/x");
    }

    @Test
    void dotlessIIsNotInbox() {
        assertThat(MailboxPath.parse("\u0131nbox").isInbox()).isFalse();
        assertThat(MailboxPath.parse("\u0131nbox").name()).isEqualTo("\u0131nbox");
    }

    @Test
    void otherNamesAreCaseSensitive() {
        assertThat(MailboxPath.parse("Archive")).isNotEqualTo(MailboxPath.parse("archive"));
    }

    @Test
    void normalizesToNfc() {
        assertThat(MailboxPath.parse("Entw\u00FCrfe")).isEqualTo(MailboxPath.parse("Entwu\u0308rfe"));
        assertThat(MailboxPath.parse("Entwu\u0308rfe").name()).isEqualTo("Entw\u00FCrfe");
    }

    @Test
    void splitsSegmentsAndNavigatesHierarchy() {
        MailboxPath p = MailboxPath.parse("Archive/2026/Q1");
        assertThat(p.segments()).containsExactly("Archive", "2026", "Q1");
        assertThat(p.parent()).isEqualTo(MailboxPath.parse("Archive/2026"));
        assertThat(p.isDescendantOf(MailboxPath.parse("Archive"))).isTrue();
        assertThat(MailboxPath.parse("Archived").isDescendantOf(MailboxPath.parse("Archive"))).isFalse();
        assertThat(p.rebase(MailboxPath.parse("Archive"), MailboxPath.parse("Old")))
                .isEqualTo(MailboxPath.parse("Old/2026/Q1"));
    }

    @Test
    void acceptsSpacesAndPunctuation() {
        assertThat(MailboxPath.parse("Sent Items").name()).isEqualTo("Sent Items");
        assertThat(MailboxPath.parse("[Gmail]/All Mail").name()).isEqualTo("[Gmail]/All Mail");
        assertThat(MailboxPath.parse("R&D").name()).isEqualTo("R&D");
    }

    @Test
    void refusesEmptyName() {
        assertThatThrownBy(() -> MailboxPath.parse("")).isInstanceOf(AddressException.class)
                .hasMessage("mailbox name is empty");
        assertThatThrownBy(() -> MailboxPath.parse(null)).isInstanceOf(AddressException.class);
    }

    @Test
    void refusesEmptySegments() {
        assertThatThrownBy(() -> MailboxPath.parse("/a")).isInstanceOf(AddressException.class)
                .hasMessageContaining("starts with '/'");
        assertThatThrownBy(() -> MailboxPath.parse("a/")).isInstanceOf(AddressException.class)
                .hasMessageContaining("ends with '/'");
        assertThatThrownBy(() -> MailboxPath.parse("a//b")).isInstanceOf(AddressException.class)
                .hasMessageContaining("'//'")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(2);
        assertThatThrownBy(() -> MailboxPath.parse("/")).isInstanceOf(AddressException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "a\tb", "a\rb", "a\nb", "a\u007Fb", "a\u0085b", "a\u009Fb"})
    void refusesControlCharacters(String name) {
        assertThatThrownBy(() -> MailboxPath.parse(name)).isInstanceOf(AddressException.class)
                .hasMessageContaining("control character")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(1);
    }

    @Test
    void refusesWildcards() {
        assertThatThrownBy(() -> MailboxPath.parse("a*")).isInstanceOf(AddressException.class)
                .hasMessageContaining("wildcard '*'");
        assertThatThrownBy(() -> MailboxPath.parse("a/%")).isInstanceOf(AddressException.class)
                .hasMessageContaining("wildcard '%'");
    }

    @Test
    void refusesUnpairedSurrogates() {
        assertThatThrownBy(() -> MailboxPath.parse("a\uDC00")).isInstanceOf(AddressException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThat(MailboxPath.parse("a\uD83D\uDCE7").name()).isEqualTo("a\uD83D\uDCE7");
    }

    @Test
    void acceptsSegmentOf255CodePoints() {
        String segment = "\uD83D\uDCE7".repeat(255);
        assertThat(MailboxPath.parse(segment).name()).isEqualTo(segment);
    }

    @Test
    void refusesSegmentOver255CodePoints() {
        assertThatThrownBy(() -> MailboxPath.parse("a/" + "b".repeat(256)))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("256 characters; the limit is 255")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(2);
    }

    @Test
    void acceptsNameOf1024Octets() {
        String name = ("x".repeat(200) + "/").repeat(5) + "y".repeat(19);
        assertThat(name).hasSize(1024);
        assertThat(MailboxPath.parse(name).name()).isEqualTo(name);
    }

    @Test
    void refusesNameOver1024Octets() {
        String name = ("ü".repeat(200) + "/").repeat(3);
        assertThatThrownBy(() -> MailboxPath.parse(name + "ü"))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("limit is 1024");
        assertThatThrownBy(() -> MailboxPath.parse("a".repeat(100_000)))
                .isInstanceOf(AddressException.class)
                .hasMessageContaining("1024");
    }

    @Test
    void convertsToAndFromModifiedUtf7() {
        MailboxPath p = MailboxPath.parse("~peter/mail/台北/日本語");
        assertThat(p.toModifiedUtf7()).isEqualTo("~peter/mail/&U,BTFw-/&ZeVnLIqe-");
        assertThat(MailboxPath.parseModifiedUtf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-")).isEqualTo(p);
        assertThat(MailboxPath.parseModifiedUtf7("inbox/&AMk-t&AOk-")).isEqualTo(MailboxPath.parse("INBOX/Été"));
    }

    @Property
    void parsingIsIdempotent(@ForAll("names") String name) {
        MailboxPath p = MailboxPath.parse(name);
        assertThat(MailboxPath.parse(p.name())).isEqualTo(p);
        assertThat(MailboxPath.parseModifiedUtf7(p.toModifiedUtf7())).isEqualTo(p);
        assertThat(p.name()).isEqualTo(Normalizer.normalize(p.name(), Normalizer.Form.NFC));
        assertThat(p.name().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1024);
        assertThat(String.join("/", p.segments())).isEqualTo(p.name());
    }

    @Property
    void onlyThrowsAddressExceptionForArbitraryText(@ForAll String name) {
        try {
            MailboxPath p = MailboxPath.parse(name);
            assertThat(p.segments()).allSatisfy(s -> assertThat(s).isNotEmpty());
        } catch (AddressException expected) {
            assertThat(expected.position()).isBetween(0, name.length());
        }
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().withChars("abINBOXinbox &-é\u0301日本~")
                .ofMinLength(1).ofMaxLength(12).list().ofMinSize(1).ofMaxSize(4)
                .map(l -> String.join("/", l).replace("~", "\uD83D\uDCE7"));
    }
}
