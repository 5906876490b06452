package io.yubin.mailauth.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpfRecordParserTest {

    @Test
    void selectsRecordsByTheirVersion() {
        assertThat(SpfRecordParser.isSpfRecord("v=spf1")).isTrue();
        assertThat(SpfRecordParser.isSpfRecord("V=SpF1 -all")).isTrue();
        assertThat(SpfRecordParser.isSpfRecord("v=spf10")).isFalse();
        assertThat(SpfRecordParser.isSpfRecord("v=spf1mx")).isFalse();
        assertThat(SpfRecordParser.isSpfRecord(" v=spf1")).isFalse();
        assertThat(SpfRecordParser.isSpfRecord("spf2.0/pra")).isFalse();
    }

    @Test
    void readsEveryMechanismAndModifier() throws Exception {
        SpfRecord record = SpfRecordParser.parse("v=spf1  +all -include:_spf.%{d2} ~a ?a:mail.example.com/24//64 "
                + "mx/28 MX:example.org//0 ptr ptr:example.net ip4:192.0.2.0/24 ip6:2001:DB8::/32 "
                + "exists:%{ir}.sbl.example.org redirect=_spf.example.com exp=explain.%{d} unknown-mod=%{l} ");
        assertThat(record.directives()).extracting(Object::toString).containsExactly("all",
                "-include:_spf.%{d2}", "~a", "?a:mail.example.com/24//64", "mx/28", "mx:example.org//0", "ptr",
                "ptr:example.net", "ip4:192.0.2.0/24", "ip6:2001:db8::/32", "exists:%{ir}.sbl.example.org");
        assertThat(record.directives().get(3).mechanism()).isInstanceOfSatisfying(SpfRecord.A.class, a -> {
            assertThat(a.ip4Prefix()).isEqualTo(24);
            assertThat(a.ip6Prefix()).isEqualTo(64);
        });
        assertThat(record.redirect()).map(Object::toString).contains("_spf.example.com");
        assertThat(record.explanation()).map(Object::toString).contains("explain.%{d}");
    }

    @Test
    void readsAnEmptyRecord() throws Exception {
        assertThat(SpfRecordParser.parse("v=spf1")).isEqualTo(new SpfRecord(List.of(), Optional.empty(), Optional.empty()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=spf1 moo", "v=spf1 -all.", "v=spf1 all:x", "v=spf1 all/8", "v=spf1 include",
        "v=spf1 include:", "v=spf1 include:a.example/24", "v=spf1 a:", "v=spf1 a/33", "v=spf1 a//129",
        "v=spf1 a/24/64", "v=spf1 a/032", "v=spf1 a:example.com:8080", "v=spf1 mx:abc.123", "v=spf1 ptr/0",
        "v=spf1 ptr:", "v=spf1 exists", "v=spf1 exists:a.example/24", "v=spf1 ip4", "v=spf1 ip4:1.2.3",
        "v=spf1 ip4:1.2.3.4:8080", "v=spf1 ip4:1.2.3.4//32", "v=spf1 ip4:1.2.3.4/33", "v=spf1 ip4:1.2.3.04",
        "v=spf1 ip4:256.1.1.1", "v=spf1 ip6", "v=spf1 ip6::CAFE::BABE", "v=spf1 ip6:::1/129", "v=spf1 ip6:::1//33",
        "v=spf1 ip6:1:2:3:4:5:6:7:8:9", "v=spf1 redirect:example.com", "v=spf1 redirect=", "v=spf1 exp=",
        "v=spf1 exp=-all", "v=spf1 exp=a.example exp=b.example", "v=spf1 redirect=a.example redirect=b.example",
        "v=spf1 1up=foo", "v=spf1 =all", "v=spf1 foo=%abc", "v=spf1 a:foo.example\r-all", "v=spf1 a:caf\u00e9.example",
        "v=spf1 \u0096all", "v=spf1\t-all", "v=spf1 exp=%{r}.example.com", "v=spf1 +", "v=spf1 -"})
    void refusesRecordsWithAnyErrorAnywhere(String record) {
        assertThatThrownBy(() -> SpfRecordParser.parse(record)).isInstanceOf(SpfSyntaxException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"v=spf1 default=pass", "v=spf1 default=+", "v=spf1 moo.cow-far_out=man:dog/cat",
        "v=spf1 a:foo:bar/baz.example.com", "v=spf1 a:foo.example.xn--zckzah", "v=spf1 a  -all ",
        "v=spf1 ip6:::FFFF:1.2.3.4 ip6:1::/0 ip4:0.0.0.0/0"})
    void acceptsWhatTheGrammarAllows(String record) throws Exception {
        assertThat(SpfRecordParser.parse(record)).isNotNull();
    }

    @Property
    void anyTextIsARecordOrASyntaxError(@ForAll("recordLike") String text) {
        try {
            SpfRecordParser.parse(text);
        } catch (SpfSyntaxException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property
    void aRecordWritesBackToItself(@ForAll("records") String text) throws Exception {
        SpfRecord record = SpfRecordParser.parse(text);
        assertThat(SpfRecordParser.parse(record.toString())).isEqualTo(record);
    }

    @Provide
    Arbitrary<String> recordLike() {
        Arbitrary<String> term = Arbitraries.oneOf(
                Arbitraries.strings().withChars("+-~?allincudexstpmv46:=/.%{}0123 \t").ofMaxLength(12),
                terms());
        return term.list().ofMaxSize(6).map(terms -> "v=spf1 " + String.join(" ", terms));
    }

    @Provide
    Arbitrary<String> records() {
        return terms().list().ofMaxSize(8).map(terms -> "v=spf1 " + String.join(" ", terms));
    }

    private static Arbitrary<String> terms() {
        Arbitrary<String> qualifier = Arbitraries.of("", "+", "-", "~", "?");
        Arbitrary<String> domain = Arbitraries.of("example.com", "%{d}", "_spf.%{d2}", "%{ir}.%{v}.bl.example.org",
                "a:b/c.example.net", "x.%{L2r-}.example.", "foo.1-2");
        Arbitrary<String> cidr = Arbitraries.of("", "/0", "/24", "/32", "//0", "//64", "//128", "/8//56");
        Arbitrary<String> mechanism = Arbitraries.oneOf(
                Arbitraries.of("all", "ALL", "a", "mx", "ptr"),
                domain.map(d -> "include:" + d),
                domain.map(d -> "exists:" + d),
                domain.map(d -> "ptr:" + d),
                Combinators.combine(Arbitraries.of("a", "mx", "A", "Mx"), Arbitraries.of("", ":example.com", ":%{d}"),
                        cidr).as((m, d, c) -> m + d + c),
                Arbitraries.of("ip4:192.0.2.1", "ip4:0.0.0.0/0", "ip4:10.0.0.0/8", "ip6:::1", "ip6:2001:db8::/32",
                        "ip6:::ffff:192.0.2.1/128", "ip6:1:2:3:4:5:6:7:8/64"));
        return Arbitraries.oneOf(Combinators.combine(qualifier, mechanism).as((q, m) -> q + m),
                Arbitraries.of("default=pass", "x-mod=%{l}", "foo.bar_baz=%%"));
    }
}
