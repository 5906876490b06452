package io.yubin.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlagsTest {

    @Test
    void parsesSystemFlagsWithoutRegardToCase() {
        Flags f = Flags.of("\\seen", "\\DELETED");
        assertThat(f.system()).containsExactlyInAnyOrder(SystemFlag.SEEN, SystemFlag.DELETED);
        assertThat(f.contains(SystemFlag.SEEN)).isTrue();
        assertThat(f.contains("\\Seen")).isTrue();
        assertThat(f.contains(SystemFlag.FLAGGED)).isFalse();
    }

    @Test
    void keywordsCompareWithoutCaseAndKeepTheFirstSpelling() {
        Flags f = Flags.of("$Junk", "$junk", "NonJunk");
        assertThat(f.keywords()).containsExactly("$Junk", "NonJunk");
        assertThat(f.contains("$JUNK")).isTrue();
        assertThat(f).isEqualTo(Flags.of("$JUNK", "nonjunk"));
        assertThat(f.hashCode()).isEqualTo(Flags.of("$JUNK", "nonjunk").hashCode());
    }

    @Test
    void writesSystemFlagsFirstInEnumOrderThenKeywords() {
        Flags f = Flags.of("zeta", "\\Draft", "Alpha", "\\Seen");
        assertThat(f.toStrings()).containsExactly("\\Seen", "\\Draft", "Alpha", "zeta");
        assertThat(f).hasToString("\\Seen \\Draft Alpha zeta");
    }

    @Test
    void noneIsEmpty() {
        assertThat(Flags.NONE.isEmpty()).isTrue();
        assertThat(Flags.of(List.of())).isEqualTo(Flags.NONE);
        assertThat(Flags.of(SystemFlag.SEEN).isEmpty()).isFalse();
    }

    @Test
    void buildsFromSystemFlagValues() {
        assertThat(Flags.of(SystemFlag.ANSWERED, SystemFlag.SEEN)).isEqualTo(Flags.of("\\Seen", "\\Answered"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\Recent", "\\Unknown", "\\"})
    void refusesUnknownOrUnstoredSystemFlags(String flag) {
        assertThatThrownBy(() -> Flags.of(flag)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown system flag");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a(b", "a)", "{a", "a%", "a*", "a\"", "a]", "caf\u00E9", "a\u0001", "a\u007F"})
    void refusesKeywordsThatAreNotAtoms(String keyword) {
        assertThatThrownBy(() -> Flags.of(keyword)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesKeywordsLongerThan255Characters() {
        assertThat(Flags.of("k".repeat(255)).keywords()).hasSize(1);
        assertThatThrownBy(() -> Flags.of("k".repeat(256))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withAddsAndWithoutRemoves() {
        Flags f = Flags.of("\\Seen", "$Label1").with(Flags.of("\\Flagged", "$label1", "$Label2"));
        assertThat(f).isEqualTo(Flags.of("\\Seen", "\\Flagged", "$Label1", "$Label2"));
        assertThat(f.keywords()).containsExactly("$Label1", "$Label2");
        assertThat(f.without(Flags.of("\\SEEN", "$LABEL1"))).isEqualTo(Flags.of("\\Flagged", "$Label2"));
    }

    @Test
    void isImmutable() {
        Flags f = Flags.of("\\Seen", "kw");
        f.with(Flags.of("\\Deleted"));
        f.without(Flags.of("kw"));
        assertThat(f).isEqualTo(Flags.of("\\Seen", "kw"));
        assertThatThrownBy(() -> f.system().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> f.keywords().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Property
    void withIsCommutativeAssociativeAndIdempotent(@ForAll("flags") Flags a, @ForAll("flags") Flags b,
            @ForAll("flags") Flags c) {
        assertThat(a.with(b)).isEqualTo(b.with(a));
        assertThat(a.with(b).with(c)).isEqualTo(a.with(b.with(c)));
        assertThat(a.with(a)).isEqualTo(a);
        assertThat(a.with(Flags.NONE)).isEqualTo(a);
    }

    @Property
    void withoutRemovesExactlyTheOtherFlags(@ForAll("flags") Flags a, @ForAll("flags") Flags b) {
        Flags rest = a.without(b);
        assertThat(rest.without(b)).isEqualTo(rest);
        assertThat(a.without(a).isEmpty()).isTrue();
        assertThat(a.without(Flags.NONE)).isEqualTo(a);
        for (String flag : b.toStrings()) {
            assertThat(rest.contains(flag)).isFalse();
        }
        for (String flag : a.toStrings()) {
            assertThat(rest.contains(flag)).isEqualTo(!b.contains(flag));
        }
    }

    @Property
    void withThenWithoutLeavesWhatWasNotRemoved(@ForAll("flags") Flags a, @ForAll("flags") Flags b) {
        assertThat(a.with(b).without(b)).isEqualTo(a.without(b));
        assertThat(a.without(b).with(b)).isEqualTo(a.with(b));
        assertThat(a.with(b).toStrings()).allMatch(f -> a.contains(f) || b.contains(f));
    }

    @Property
    void textFormParsesBackToEqualFlags(@ForAll("flags") Flags a) {
        assertThat(Flags.of(List.copyOf(a.toStrings()))).isEqualTo(a);
        assertThat(a.toStrings()).allMatch(a::contains);
        assertThat(a.toStrings()).allMatch(f -> a.contains(f.toUpperCase(Locale.ROOT)));
    }

    @Provide
    Arbitrary<Flags> flags() {
        Arbitrary<String> keyword = Arbitraries.strings().withChars("abcABC$_-").ofMinLength(1).ofMaxLength(4);
        Arbitrary<String> system = Arbitraries.of(SystemFlag.class).map(SystemFlag::text);
        return Arbitraries.oneOf(keyword, system).list().ofMaxSize(6).map(Flags::of);
    }
}
