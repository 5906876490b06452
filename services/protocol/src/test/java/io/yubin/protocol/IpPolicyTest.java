package io.yubin.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpPolicyTest {

    @Test
    void allowsEverybodyWithoutLists() {
        IpPolicy policy = IpPolicy.parse(" ", "");
        assertThat(policy.allowsAll()).isTrue();
        assertThat(policy.allows("192.0.2.1")).isTrue();
        assertThat(policy.allows("2001:db8::1")).isTrue();
        assertThat(policy.allows("unknown")).isTrue();
    }

    @Test
    void allowsOnlyTheAllowListWhenThereIsOne() {
        IpPolicy policy = IpPolicy.parse("192.0.2.0/24, 2001:db8::/32 198.51.100.7", "");
        assertThat(policy.allows("192.0.2.255")).isTrue();
        assertThat(policy.allows("192.0.3.0")).isFalse();
        assertThat(policy.allows("198.51.100.7")).isTrue();
        assertThat(policy.allows("198.51.100.8")).isFalse();
        assertThat(policy.allows("2001:db8:ffff::1")).isTrue();
        assertThat(policy.allows("2001:db9::1")).isFalse();
        assertThat(policy.allows("unknown")).isFalse();
    }

    @Test
    void denyWinsOverAllow() {
        IpPolicy policy = IpPolicy.parse("10.0.0.0/8,fd00::/8", "10.1.0.0/16,fd00:bad::/32");
        assertThat(policy.allows("10.2.3.4")).isTrue();
        assertThat(policy.allows("10.1.3.4")).isFalse();
        assertThat(policy.allows("fd00:1::1")).isTrue();
        assertThat(policy.allows("fd00:bad::1")).isFalse();
        IpPolicy denyOnly = IpPolicy.parse("", "0.0.0.0/0");
        assertThat(denyOnly.allows("203.0.113.1")).isFalse();
        assertThat(denyOnly.allows("::1")).isTrue();
        assertThat(denyOnly.allows("unknown")).isTrue();
    }

    @Test
    void matchesAnIpv4MappedAddressAsIpv4() {
        IpPolicy policy = IpPolicy.parse("192.0.2.0/24", "");
        assertThat(policy.allows("::ffff:192.0.2.9")).isTrue();
        assertThat(policy.allows("::ffff:192.0.3.9")).isFalse();
    }

    @Test
    void refusesWhatIsNotAnAddressOrRange() {
        assertThatThrownBy(() -> IpPolicy.parse("example.org", "")).hasMessageContaining("\"example.org\"");
        assertThatThrownBy(() -> IpPolicy.parse("", "192.0.2.0/33")).hasMessageContaining("0..32");
        assertThatThrownBy(() -> IpPolicy.parse("2001:db8::/129", "")).hasMessageContaining("0..128");
        assertThatThrownBy(() -> IpPolicy.parse("192.0.2.0/x", "")).hasMessageContaining("prefix");
    }
}
