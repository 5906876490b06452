package io.yubin.mailauth.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.ReverseMap;

class DnsNamesTest {

    @Test
    void acceptsNamesDnsCanCarry() {
        assertThat(DnsNames.isValid("example.com")).isTrue();
        assertThat(DnsNames.isValid("example.com.")).isTrue();
        assertThat(DnsNames.isValid("foo:bar/baz.example.com")).isTrue();
        assertThat(DnsNames.isValid("macro%percent  space.example.com")).isTrue();
        assertThat(DnsNames.isValid("x".repeat(63) + ".example")).isTrue();
        assertThat(DnsNames.isValid(("x".repeat(63) + ".").repeat(3) + "x".repeat(61))).isTrue();
    }

    @Test
    void refusesNamesDnsCannotCarry() {
        assertThat(DnsNames.isValid(null)).isFalse();
        assertThat(DnsNames.isValid("")).isFalse();
        assertThat(DnsNames.isValid(".")).isFalse();
        assertThat(DnsNames.isValid("a..example")).isFalse();
        assertThat(DnsNames.isValid(".example")).isFalse();
        assertThat(DnsNames.isValid("example..")).isFalse();
        assertThat(DnsNames.isValid("x".repeat(64) + ".example")).isFalse();
        assertThat(DnsNames.isValid(("x".repeat(63) + ".").repeat(3) + "x".repeat(62))).isFalse();
        assertThat(DnsNames.isValid("tab\t.example")).isFalse();
        assertThat(DnsNames.isValid("caf\u00e9.example")).isFalse();
    }

    @Test
    void writesReverseNames() throws Exception {
        assertThat(DnsNames.reverseName(InetAddress.getByName("192.0.2.1"))).isEqualTo("1.2.0.192.in-addr.arpa");
        assertThat(DnsNames.reverseName(InetAddress.getByName("2001:db8::cb01")))
                .isEqualTo("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }

    @Property
    void reverseNamesAreDnsjavas(@ForAll("addresses") byte[] address) throws Exception {
        Name expected = ReverseMap.fromAddress(address);
        assertThat(DnsNames.reverseName(InetAddress.getByAddress(address))).isEqualTo(expected.toString(true));
    }

    @Property
    void aValidNameHasOnlyLabelsOf1To63OctetsAndAtMost253(@ForAll("names") String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        boolean expected = !n.isEmpty() && n.length() <= 253 && n.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)
                && java.util.Arrays.stream(n.split("\\.", -1)).allMatch(l -> !l.isEmpty() && l.length() <= 63);
        assertThat(DnsNames.isValid(name)).isEqualTo(expected);
    }

    @Provide
    Arbitrary<byte[]> addresses() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16));
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> label = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abc-_ :").ofMinLength(0).ofMaxLength(70),
                Arbitraries.strings().ofMinLength(0).ofMaxLength(5));
        return label.list().ofMinSize(1).ofMaxSize(8).map(labels -> String.join(".", labels))
                .flatMap(n -> Arbitraries.of(n, n + "."));
    }
}
