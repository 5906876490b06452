package io.yubin.protocol;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which client addresses may connect to a listener: CIDR ranges, IPv4 and IPv6, in an allow list
 * and a deny list. With an allow list, only addresses in it connect; an address in the deny list
 * never connects, whatever the allow list says. Both empty lets everybody in.
 *
 * <p>Matching is Netty's {@link IpSubnetFilterRule}. An IPv4-mapped IPv6 address
 * ({@code ::ffff:192.0.2.1}) is matched as the IPv4 address it carries.
 */
public final class IpPolicy {

    /** No list: every address connects. */
    public static final IpPolicy ALLOW_ALL = new IpPolicy(List.of(), List.of(), "", "");

    private final List<IpSubnetFilterRule> allow;
    private final List<IpSubnetFilterRule> deny;
    private final String allowText;
    private final String denyText;

    private IpPolicy(List<IpSubnetFilterRule> allow, List<IpSubnetFilterRule> deny, String allowText,
            String denyText) {
        this.allow = allow;
        this.deny = deny;
        this.allowText = allowText;
        this.denyText = denyText;
    }

    /**
     * @param allow CIDR ranges ({@code 192.0.2.0/24}, {@code 2001:db8::/32}) or single addresses,
     *     separated by commas or white space; empty for everybody
     * @param deny likewise; empty for nobody
     * @throws IllegalArgumentException naming the entry that is not an address or range
     */
    public static IpPolicy parse(String allow, String deny) {
        Objects.requireNonNull(allow, "allow");
        Objects.requireNonNull(deny, "deny");
        List<IpSubnetFilterRule> allowed = rules(allow, IpFilterRuleType.ACCEPT);
        List<IpSubnetFilterRule> denied = rules(deny, IpFilterRuleType.REJECT);
        return allowed.isEmpty() && denied.isEmpty() ? ALLOW_ALL
                : new IpPolicy(allowed, denied, allow.strip(), deny.strip());
    }

    private static List<IpSubnetFilterRule> rules(String list, IpFilterRuleType type) {
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String entry : list.strip().split("[,\\s]+")) {
            if (!entry.isEmpty()) {
                rules.add(rule(entry, type));
            }
        }
        return List.copyOf(rules);
    }

    private static IpSubnetFilterRule rule(String entry, IpFilterRuleType type) {
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash);
        // Checked here so that Netty never takes a host name (and looks it up in the DNS).
        boolean v4 = NetUtil.isValidIpV4Address(address);
        if (!v4 && !NetUtil.isValidIpV6Address(address)) {
            throw new IllegalArgumentException("\"" + entry + "\" is not an IP address or a CIDR range");
        }
        int max = v4 ? 32 : 128;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("\"" + entry + "\" has a prefix length outside 0.." + max);
        }
        return new IpSubnetFilterRule(NetUtil.createInetAddressFromIpAddressString(address), prefix, type);
    }

    /** Whether both lists are empty. */
    public boolean allowsAll() {
        return allow.isEmpty() && deny.isEmpty();
    }

    /**
     * Whether {@code clientAddress} (an IP address literal) may connect. A value that is not an
     * address (a listener without one) connects only when there is no allow list.
     */
    public boolean allows(String clientAddress) {
        if (allowsAll()) {
            return true;
        }
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(clientAddress);
        if (address == null) {
            return allow.isEmpty();
        }
        InetSocketAddress socketAddress = new InetSocketAddress(address, 0);
        if (deny.stream().anyMatch(rule -> rule.matches(socketAddress))) {
            return false;
        }
        return allow.isEmpty() || allow.stream().anyMatch(rule -> rule.matches(socketAddress));
    }

    @Override
    public String toString() {
        return "IpPolicy[allow=" + allowText + ", deny=" + denyText + "]";
    }
}
