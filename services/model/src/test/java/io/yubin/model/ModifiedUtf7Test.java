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
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModifiedUtf7Test {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "INBOX|INBOX",
        "R&D|R&-D",
        "&|&-",
        "&&|&-&-",
        "~peter/mail/台北/日本語|~peter/mail/&U,BTFw-/&ZeVnLIqe-",
        "Entwürfe|Entw&APw-rfe",
        "Été|&AMk-t&AOk-",
        "\uD83D\uDCE7|&2D3c5w-",
        "a\u0001b|a&AAE-b",
        "ü&|&APw-&-"})
    void encodesAndDecodesRfc3501Examples(String decoded, String encoded) {
        assertThat(ModifiedUtf7.encode(decoded)).isEqualTo(encoded);
        assertThat(ModifiedUtf7.decode(encoded)).isEqualTo(decoded);
    }

    @Test
    void encodesEmptyString() {
        assertThat(ModifiedUtf7.encode("")).isEmpty();
        assertThat(ModifiedUtf7.decode("")).isEmpty();
    }

    @Test
    void encodesAdjacentNonAsciiAsOneShiftedSequence() {
        assertThat(ModifiedUtf7.encode("日本語")).isEqualTo("&ZeVnLIqe-");
    }

    @Test
    void usesCommaInsteadOfSlash() {
        assertThat(ModifiedUtf7.encode("台北")).contains(",").doesNotContain("/");
    }

    @Test
    void refusesAmpersandWithoutDash() {
        assertThatThrownBy(() -> ModifiedUtf7.decode("a&b")).isInstanceOf(AddressException.class)
                .hasMessageContaining("without a closing '-'")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(1);
        assertThatThrownBy(() -> ModifiedUtf7.decode("&")).isInstanceOf(AddressException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"&U/BTFw-", "&U=-", "&U BT-", "&ZeVnLIqe=-", "&ü-"})
    void refusesCharactersOutsideModifiedBase64(String encoded) {
        assertThatThrownBy(() -> ModifiedUtf7.decode(encoded)).isInstanceOf(AddressException.class);
    }

    @Test
    void refusesStandardBase64Slash() {
        assertThatThrownBy(() -> ModifiedUtf7.decode("&U/BTFw-")).isInstanceOf(AddressException.class)
                .hasMessageContaining("not modified base64");
    }

    @Test
    void refusesShiftedPrintableAscii() {
        // "&AGE-" is "a" in base64
        assertThatThrownBy(() -> ModifiedUtf7.decode("&AGE-")).isInstanceOf(AddressException.class)
                .hasMessageContaining("must appear as itself");
        // "&ACY-" is "&"
        assertThatThrownBy(() -> ModifiedUtf7.decode("&ACY-")).isInstanceOf(AddressException.class);
        // "&AOkAYQ-" is "éa"
        assertThatThrownBy(() -> ModifiedUtf7.decode("&AOkAYQ-")).isInstanceOf(AddressException.class);
    }

    @Test
    void refusesNonZeroPaddingBits() {
        // "&APw-" is ü; "&APx-" leaves padding bits set
        assertThatThrownBy(() -> ModifiedUtf7.decode("&APx-")).isInstanceOf(AddressException.class)
                .hasMessageContaining("padding");
    }

    @Test
    void refusesTruncatedUnits() {
        assertThatThrownBy(() -> ModifiedUtf7.decode("&A-")).isInstanceOf(AddressException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> ModifiedUtf7.decode("&APwA-")).isInstanceOf(AddressException.class);
    }

    @Test
    void refusesUnpairedSurrogates() {
        // "&2D0-" is the lone high surrogate U+D83D; "&3Mc-" the lone low surrogate U+DCC7
        assertThatThrownBy(() -> ModifiedUtf7.decode("&2D0-")).isInstanceOf(AddressException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> ModifiedUtf7.decode("&3Mc-")).isInstanceOf(AddressException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> ModifiedUtf7.encode("a\uD83D")).isInstanceOf(AddressException.class);
    }

    @Test
    void refusesAdjacentShiftedSequences() {
        assertThatThrownBy(() -> ModifiedUtf7.decode("&ZeVnLA-&iqc-")).isInstanceOf(AddressException.class)
                .hasMessageContaining("adjacent")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(8);
    }

    @Test
    void acceptsShiftedSequenceFollowedByEscapedAmpersand() {
        assertThat(ModifiedUtf7.decode("&APw-&-")).isEqualTo("ü&");
    }

    @Test
    void refusesRawNonAsciiAndControls() {
        assertThatThrownBy(() -> ModifiedUtf7.decode("Entwürfe")).isInstanceOf(AddressException.class)
                .hasMessageContaining("raw character")
                .extracting(e -> ((AddressException) e).position()).isEqualTo(4);
        assertThatThrownBy(() -> ModifiedUtf7.decode("a\tb")).isInstanceOf(AddressException.class);
    }

    @Property
    void decodingTheEncodingGivesTheString(@ForAll("unicode") String s) {
        assertThat(ModifiedUtf7.decode(ModifiedUtf7.encode(s))).isEqualTo(s);
    }

    @Property
    void encodingIsPrintableAscii(@ForAll("unicode") String s) {
        assertThat(ModifiedUtf7.encode(s).chars()).allMatch(c -> c >= 0x20 && c <= 0x7e);
    }

    @Property
    void encodingOfDecodedTextIsTheSameText(@ForAll("encodedLike") String encoded) {
        String decoded;
        try {
            decoded = ModifiedUtf7.decode(encoded);
        } catch (AddressException refused) {
            assertThat(refused.position()).isBetween(0, encoded.length());
            return;
        }
        assertThat(ModifiedUtf7.encode(decoded)).isEqualTo(encoded);
    }

    @Property
    void decodeOnlyThrowsAddressException(@ForAll String s) {
        try {
            ModifiedUtf7.decode(s);
        } catch (AddressException expected) {
            assertThat(expected.position()).isBetween(0, s.length());
        }
    }

    @Provide
    Arbitrary<String> unicode() {
        Arbitrary<Integer> codePoint = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 0x7f),
                Arbitraries.integers().between(0x80, 0xD7FF),
                Arbitraries.integers().between(0xE000, 0x10FFFF),
                Arbitraries.of((int) '&', (int) '-', (int) '/', 0xFFFF, 0x10000));
        return codePoint.list().ofMaxSize(20).map(cps -> {
            StringBuilder sb = new StringBuilder();
            cps.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }

    @Provide
    Arbitrary<String> encodedLike() {
        return Arbitraries.strings().withChars("&-AaZz09+,/=2D3cxwPE").ofMaxLength(16);
    }
}
