package io.yubin.mailauth.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads SPF records (RFC 7208 §4.5, §4.6.1, §12): a plain function from text to a record. */
final class SpfRecordParser {

    private static final String VERSION = "v=spf1";
    // §12: name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), then "=" (before any ":" or "/")
    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)", Pattern.DOTALL);
    // §12 dual-cidr-length at the end of an a or mx argument; the reluctant head leaves it as
    // long as it can be
    private static final Pattern DUAL_CIDR =
            Pattern.compile("(.*?)(?:/(0|[1-9][0-9]*))?(?://(0|[1-9][0-9]*))?", Pattern.DOTALL);
    private static final Pattern IP4_CIDR = Pattern.compile("0|[1-9][0-9]?");
    private static final Pattern IP6_CIDR = Pattern.compile("0|[1-9][0-9]{0,2}");

    private SpfRecordParser() {
    }

    /**
     * §4.5: a TXT record is an SPF record when it starts with "v=spf1" (any case) followed by a
     * space or nothing; "v=spf10" is not one.
     */
    static boolean isSpfRecord(String txt) {
        return txt.regionMatches(true, 0, VERSION, 0, VERSION.length())
                && (txt.length() == VERSION.length() || txt.charAt(VERSION.length()) == ' ');
    }

    /** Parses the whole record; any error anywhere in it is a permerror (§4.6). */
    static SpfRecord parse(String txt) throws SpfSyntaxException {
        if (!isSpfRecord(txt)) {
            throw new SpfSyntaxException("not an SPF record");
        }
        for (int i = 0; i < txt.length(); i++) {
            char c = txt.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                // §3.1: records are 7-bit ASCII; §4.6.1: terms are separated by spaces only
                throw new SpfSyntaxException(String.format("character U+%04X at position %d: SPF records are "
                        + "printable ASCII separated by spaces", (int) c, i));
            }
        }
        List<SpfRecord.Directive> directives = new ArrayList<>();
        Optional<MacroString> redirect = Optional.empty();
        Optional<MacroString> explanation = Optional.empty();
        for (String term : txt.substring(VERSION.length()).split(" ")) {
            if (term.isEmpty()) {
                continue;
            }
            Matcher modifier = MODIFIER.matcher(term);
            if (!modifier.matches()) {
                directives.add(directive(term));
                continue;
            }
            String name = modifier.group(1).toLowerCase(Locale.ROOT);
            String value = modifier.group(2);
            if (name.equals("redirect") || name.equals("exp")) {
                // §6: "These two modifiers MUST NOT appear in a record more than once each."
                if ((name.equals("redirect") ? redirect : explanation).isPresent()) {
                    throw new SpfSyntaxException("more than one " + name + "= modifier");
                }
                MacroString target = MacroString.parse(value, MacroString.Kind.DOMAIN_SPEC);
                if (name.equals("redirect")) {
                    redirect = Optional.of(target);
                } else {
                    explanation = Optional.of(target);
                }
            } else {
                // §6: unknown modifiers are ignored, but only when they are well formed
                MacroString.parse(value, MacroString.Kind.MODIFIER_VALUE);
            }
        }
        return new SpfRecord(directives, redirect, explanation);
    }

    private static SpfRecord.Directive directive(String term) throws SpfSyntaxException {
        SpfRecord.Qualifier qualifier = SpfRecord.Qualifier.of(term.charAt(0));
        String rest = qualifier == null ? term : term.substring(1);
        int end = 0;
        while (end < rest.length() && rest.charAt(end) != ':' && rest.charAt(end) != '/') {
            end++;
        }
        String name = rest.substring(0, end).toLowerCase(Locale.ROOT);
        String argument = rest.substring(end);
        SpfRecord.Mechanism mechanism = switch (name) {
            case "all" -> {
                if (!argument.isEmpty()) {
                    throw new SpfSyntaxException("\"all\" takes no argument: " + term);
                }
                yield new SpfRecord.All();
            }
            case "include" -> new SpfRecord.Include(requiredDomain(argument, term));
            case "exists" -> new SpfRecord.Exists(requiredDomain(argument, term));
            case "a", "mx" -> addressMechanism(name, argument, term);
            case "ptr" -> {
                if (argument.isEmpty()) {
                    yield new SpfRecord.Ptr(Optional.empty());
                }
                yield new SpfRecord.Ptr(Optional.of(requiredDomain(argument, term)));
            }
            case "ip4" -> new SpfRecord.Ip4(network(argument, term, false));
            case "ip6" -> new SpfRecord.Ip6(network(argument, term, true));
            default -> throw new SpfSyntaxException("unknown mechanism: " + term);
        };
        return new SpfRecord.Directive(qualifier == null ? SpfRecord.Qualifier.PASS : qualifier, mechanism);
    }

    /** ":" domain-spec, and nothing else. */
    private static MacroString requiredDomain(String argument, String term) throws SpfSyntaxException {
        if (!argument.startsWith(":")) {
            throw new SpfSyntaxException("\":\" and a domain-spec expected: " + term);
        }
        return MacroString.parse(argument.substring(1), MacroString.Kind.DOMAIN_SPEC);
    }

    /** §5.3, §5.4: [ ":" domain-spec ] [ dual-cidr-length ]. */
    private static SpfRecord.Mechanism addressMechanism(String name, String argument, String term)
            throws SpfSyntaxException {
        Matcher m = DUAL_CIDR.matcher(argument);
        if (!m.matches()) {
            throw new SpfSyntaxException("bad argument: " + term);
        }
        String head = m.group(1);
        Optional<MacroString> domain = Optional.empty();
        if (!head.isEmpty()) {
            domain = Optional.of(requiredDomain(head, term));
        }
        int ip4 = m.group(2) == null ? 32 : prefix(m.group(2), 32, term);
        int ip6 = m.group(3) == null ? 128 : prefix(m.group(3), 128, term);
        return name.equals("a") ? new SpfRecord.A(domain, ip4, ip6) : new SpfRecord.Mx(domain, ip4, ip6);
    }

    /** §5.6: ip4 ":" ip4-network [ ip4-cidr-length ], ip6 ":" ip6-network [ ip6-cidr-length ]. */
    private static IpNetwork network(String argument, String term, boolean ipv6) throws SpfSyntaxException {
        if (!argument.startsWith(":")) {
            throw new SpfSyntaxException("\":\" and a network expected: " + term);
        }
        String network = argument.substring(1);
        int slash = network.indexOf('/');
        String address = slash < 0 ? network : network.substring(0, slash);
        byte[] octets = ipv6 ? IpAddresses.parseIpv6(address) : IpAddresses.parseIpv4(address);
        if (octets == null) {
            throw new SpfSyntaxException("bad " + (ipv6 ? "IPv6" : "IPv4") + " network: " + term);
        }
        int length = ipv6 ? 128 : 32;
        if (slash >= 0) {
            String digits = network.substring(slash + 1);
            if (!(ipv6 ? IP6_CIDR : IP4_CIDR).matcher(digits).matches()) {
                throw new SpfSyntaxException("bad CIDR length: " + term);
            }
            length = prefix(digits, length, term);
        }
        return new IpNetwork(octets, length);
    }

    private static int prefix(String digits, int max, String term) throws SpfSyntaxException {
        // §5.6: a CIDR length over 32 (IPv4) or 128 (IPv6) is a syntax error
        if (digits.length() > 3 || Integer.parseInt(digits) > max) {
            throw new SpfSyntaxException("CIDR length over " + max + ": " + term);
        }
        return Integer.parseInt(digits);
    }
}
