package io.yubin.mailauth.spf;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed SPF record (RFC 7208 §4.6, §12): its directives in order and the two modifiers that
 * mean something; unknown modifiers are checked and then dropped (§6).
 *
 * @param directives the mechanisms with their qualifiers, evaluated left to right (§4.6.2)
 * @param redirect the {@code redirect=} target (§6.1)
 * @param explanation the {@code exp=} target (§6.2)
 */
record SpfRecord(List<Directive> directives, Optional<MacroString> redirect, Optional<MacroString> explanation) {

    SpfRecord {
        directives = List.copyOf(directives);
        Objects.requireNonNull(redirect);
        Objects.requireNonNull(explanation);
    }

    /** §4.6.2: the result a matching mechanism gives. */
    enum Qualifier {
        PASS('+', SpfStatus.PASS),
        FAIL('-', SpfStatus.FAIL),
        SOFTFAIL('~', SpfStatus.SOFTFAIL),
        NEUTRAL('?', SpfStatus.NEUTRAL);

        final char symbol;
        final SpfStatus status;

        Qualifier(char symbol, SpfStatus status) {
            this.symbol = symbol;
            this.status = status;
        }

        static Qualifier of(char symbol) {
            for (Qualifier q : values()) {
                if (q.symbol == symbol) {
                    return q;
                }
            }
            return null;
        }
    }

    record Directive(Qualifier qualifier, Mechanism mechanism) {
        @Override
        public String toString() {
            return (qualifier == Qualifier.PASS ? "" : String.valueOf(qualifier.symbol)) + mechanism;
        }
    }

    /** The eight mechanisms of §5. */
    sealed interface Mechanism {
        /** §4.6.4: include, a, mx, ptr and exists count toward the limit of 10 DNS-querying terms. */
        default boolean queriesDns() {
            return !(this instanceof All || this instanceof Ip4 || this instanceof Ip6);
        }
    }

    /** §5.1: always matches. */
    record All() implements Mechanism {
        @Override
        public String toString() {
            return "all";
        }
    }

    /** §5.2: matches when check_host() on the target passes. */
    record Include(MacroString domain) implements Mechanism {
        @Override
        public String toString() {
            return "include:" + domain;
        }
    }

    /** §5.3: matches an address of the target (the current domain when absent) within the CIDR lengths. */
    record A(Optional<MacroString> domain, int ip4Prefix, int ip6Prefix) implements Mechanism {
        @Override
        public String toString() {
            return "a" + target(domain) + cidr(ip4Prefix, ip6Prefix);
        }
    }

    /** §5.4: like a, over the addresses of the target's MX hosts. */
    record Mx(Optional<MacroString> domain, int ip4Prefix, int ip6Prefix) implements Mechanism {
        @Override
        public String toString() {
            return "mx" + target(domain) + cidr(ip4Prefix, ip6Prefix);
        }
    }

    /** §5.5: matches when a validated reverse name of the client lies in the target. */
    record Ptr(Optional<MacroString> domain) implements Mechanism {
        @Override
        public String toString() {
            return "ptr" + target(domain);
        }
    }

    /** §5.6: matches an IPv4 client in the network. */
    record Ip4(IpNetwork network) implements Mechanism {
        @Override
        public String toString() {
            return "ip4:" + network;
        }
    }

    /** §5.6: matches an IPv6 client in the network. */
    record Ip6(IpNetwork network) implements Mechanism {
        @Override
        public String toString() {
            return "ip6:" + network;
        }
    }

    /** §5.7: matches when the target has an A record. */
    record Exists(MacroString domain) implements Mechanism {
        @Override
        public String toString() {
            return "exists:" + domain;
        }
    }

    /** The record in a canonical spelling; parsing it gives this record again. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("v=spf1");
        directives.forEach(d -> out.append(' ').append(d));
        redirect.ifPresent(r -> out.append(" redirect=").append(r));
        explanation.ifPresent(e -> out.append(" exp=").append(e));
        return out.toString();
    }

    private static String target(Optional<MacroString> domain) {
        return domain.map(d -> ":" + d).orElse("");
    }

    private static String cidr(int ip4Prefix, int ip6Prefix) {
        return (ip4Prefix == 32 ? "" : "/" + ip4Prefix) + (ip6Prefix == 128 ? "" : "//" + ip6Prefix);
    }
}
