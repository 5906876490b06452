package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TagListTest {

    @Test
    void readsTagsWithFoldingWhiteSpaceAndATrailingSemicolon() throws Exception {
        TagList tags = TagList.parse(" v=1;\r\n\ta = rsa-sha256 ;h=from : to;\r\n b=abc\r\n def ; x_1=; ");

        assertThat(tags.tags()).containsExactly(Map.entry("v", "1"), Map.entry("a", "rsa-sha256"),
                Map.entry("h", "from : to"), Map.entry("b", "abc\r\n def"), Map.entry("x_1", ""));
        assertThat(tags.firstName()).isEqualTo("v");
        assertThat(TagList.stripFws(tags.get("b"))).isEqualTo("abcdef");
    }

    @Test
    void tagNamesAreCaseSensitive() throws Exception {
        assertThat(TagList.parse("a=1; A=2").tags()).containsExactly(Map.entry("a", "1"), Map.entry("A", "2"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ";", "a=1;;b=2", "a=1; a=2", "1a=x", "a b=1", "=1", "novalue", "a=\u0001",
        "a=1; ;"})
    void refusesWhatSection32Forbids(String text) {
        assertThatThrownBy(() -> TagList.parse(text)).isInstanceOf(DkimFormatException.class);
    }

    @Property(tries = 500)
    void readsBackWhatWasWrittenWithAnyFoldingWhiteSpace(@ForAll("tagMaps") Map<String, String> tags,
            @ForAll("fws") String fws, @ForAll boolean trailingSemicolon) throws Exception {
        StringBuilder text = new StringBuilder();
        tags.forEach((name, value) -> text.append(text.length() == 0 ? "" : ";").append(fws).append(name)
                .append(fws).append('=').append(fws).append(value).append(fws));
        if (trailingSemicolon) {
            text.append(';').append(fws);
        }

        assertThat(TagList.parse(text.toString()).tags()).containsExactlyEntriesOf(tags);
    }

    @Provide
    Arbitrary<Map<String, String>> tagMaps() {
        Arbitrary<String> name = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(3);
        Arbitrary<String> value = Arbitraries.strings().withCharRange('!', '~').excludeChars(';').ofMaxLength(8)
                .list().ofMinSize(1).ofMaxSize(3).map(words -> String.join(" \r\n ", words).strip());
        return Arbitraries.maps(name, value).ofMinSize(1).ofMaxSize(6).map(LinkedHashMap::new);
    }

    @Provide
    Arbitrary<String> fws() {
        return Arbitraries.of("", " ", "\t", "\r\n ", " \r\n\t ");
    }
}
