package io.yubin.mailauth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class IpAddressesTest {

    @Test
    void writesIpv6AsRfc5952Says() throws Exception {
        assertThat(readable("2001:db8:0:0:0:0:0:1")).isEqualTo("2001:db8::1");
        // §4.2.2: one zero group is not shortened
        assertThat(readable("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1");
        // §4.2.3: the longest run, and of equal runs the first
        assertThat(readable("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1");
        assertThat(readable("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(readable("CAFE:BABE::1")).isEqualTo("cafe:babe::1");
        assertThat(readable("::")).isEqualTo("::");
        assertThat(readable("1::")).isEqualTo("1::");
    }

    @Test
    void readsOnlyStrictIpv4() {
        assertThat(IpAddresses.parseIpv4("192.0.2.1")).containsExactly(192, 0, 2, 1);
        assertThat(IpAddresses.parseIpv4("192.0.2.01")).isNull();
        assertThat(IpAddresses.parseIpv4("192.0.2")).isNull();
        assertThat(IpAddresses.parseIpv4("192.0.2.256")).isNull();
        assertThat(IpAddresses.parseIpv4("192.0.2.1.")).isNull();
        assertThat(IpAddresses.parseIpv4("1.2.3.+4")).isNull();
    }

    @Test
    void readsTheIpv6FormsOfRfc4291() {
        assertThat(IpAddresses.parseIpv6("::")).hasSize(16);
        assertThat(IpAddresses.parseIpv6("::1.1.1.1")).endsWith(1, 1, 1, 1);
        assertThat(IpAddresses.parseIpv6("::FFFF:1.2.3.4")).endsWith(0xff, 0xff, 1, 2, 3, 4);
        assertThat(IpAddresses.parseIpv6("1:2:3:4:5:6:7:8")).endsWith(0, 8);
        assertThat(IpAddresses.parseIpv6("1:2:3:4:5:6:1.2.3.4")).endsWith(1, 2, 3, 4);
        for (String bad : new String[] {"", ":", ":::", "1::2::3", ":CAFE::BABE", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
            "12345::", "g::", "1.2.3.4::", "::1.2.3", "1::2:3:4:5:6:7:8", "\uff11::"}) {
            assertThat(IpAddresses.parseIpv6(bad)).as(bad).isNull();
        }
    }

    @Test
    void takesAnIpv4MappedClientForItsIpv4Address() throws Exception {
        InetAddress mapped = Inet6Address.getByAddress(null, IpAddresses.parseIpv6("::ffff:192.0.2.1"), -1);
        assertThat(mapped.getAddress()).hasSize(16);
        assertThat(IpAddresses.unmapped(mapped).getAddress()).containsExactly(192, 0, 2, 1);
        InetAddress plain = InetAddress.getByName("2001:db8::1");
        assertThat(IpAddresses.unmapped(plain)).isSameAs(plain);
    }

    @Property
    void readsBackWhatItWrites(@ForAll("ipv6") byte[] address) throws Exception {
        assertThat(IpAddresses.parseIpv6(IpAddresses.readable(address))).isEqualTo(address);
        // and the JDK's uncompressed form
        String jdk = InetAddress.getByAddress(address).getHostAddress();
        if (jdk.contains(":")) {
            assertThat(IpAddresses.parseIpv6(jdk)).isEqualTo(address);
        }
    }

    @Property
    void aNetworkHoldsExactlyTheAddressesSharingItsPrefix(@ForAll("ipv6") byte[] network, @ForAll("ipv6") byte[] other,
            @ForAll @IntRange(min = 0, max = 128) int prefix) {
        BigInteger a = new BigInteger(1, network).shiftRight(128 - prefix);
        BigInteger b = new BigInteger(1, other).shiftRight(128 - prefix);
        assertThat(new IpNetwork(network, prefix).contains(other)).isEqualTo(a.equals(b));
        assertThat(new IpNetwork(network, prefix).contains(network)).isTrue();
        assertThat(new IpNetwork(network, prefix).contains(new byte[4])).isFalse();
    }

    @Provide
    Arbitrary<byte[]> ipv6() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(16),
                Arbitraries.bytes().between((byte) 0, (byte) 1).array(byte[].class).ofSize(16));
    }

    private static String readable(String text) {
        return IpAddresses.readable(IpAddresses.parseIpv6(text));
    }
}
