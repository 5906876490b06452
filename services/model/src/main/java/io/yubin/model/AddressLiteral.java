package io.yubin.model;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 5321 §4.1.3 address literals: {@code [192.0.2.1]} and {@code [IPv6:2001:db8::1]}, validated
 * and written in one normal form (IPv4 in plain decimal; IPv6 per RFC 5952 §4).
 */
final class AddressLiteral {

    private AddressLiteral() {
    }

    /**
     * Validates {@code text} (brackets included) and returns its normal form.
     *
     * @param offset where {@code text} starts in the input, for error positions
     */
    static String normalize(String text, int offset) {
        if (text.length() < 2 || text.charAt(0) != '[' || text.charAt(text.length() - 1) != ']') {
            throw new AddressException("address literal must be enclosed in [ and ]", offset);
        }
        String body = text.substring(1, text.length() - 1);
        int start = offset + 1;
        if (body.isEmpty()) {
            throw new AddressException("address literal is empty", start);
        }
        int colon = body.indexOf(':');
        if (colon < 0) {
            return "[" + ipv4(body, start) + "]";
        }
        String tag = body.substring(0, colon);
        // ABNF literal strings are case-insensitive (RFC 5234 §2.3), so "ipv6:" is accepted.
        if (!tag.equalsIgnoreCase("IPv6")) {
            throw new AddressException("address literal tag \"" + tag
                    + "\" is not supported; only IPv4 and IPv6: literals are defined (RFC 5321 §4.1.3)", start);
        }
        return "[IPv6:" + Ipv6Text.of(ipv6(body.substring(colon + 1), start + colon + 1)) + "]";
    }

    /** RFC 5321 §4.1.3 IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT, 0 to 255. */
    private static String ipv4(String s, int start) {
        int[] octets = ipv4Octets(s, start);
        return octets[0] + "." + octets[1] + "." + octets[2] + "." + octets[3];
    }

    private static int[] ipv4Octets(String s, int start) {
        int[] octets = new int[4];
        int n = 0;
        int i = 0;
        while (true) {
            int digitsStart = i;
            int value = 0;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - digitsStart < 3) {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            if (i == digitsStart) {
                throw new AddressException("IPv4 address literal \"" + s + "\" needs a decimal number at position "
                        + (start + i), start + i);
            }
            if (value > 255) {
                throw new AddressException("IPv4 address literal \"" + s + "\" has " + value
                        + ", more than 255, at position " + (start + digitsStart), start + digitsStart);
            }
            octets[n++] = value;
            if (n == 4) {
                break;
            }
            if (i >= s.length() || s.charAt(i) != '.') {
                throw new AddressException("IPv4 address literal \"" + s
                        + "\" needs four numbers separated by dots", start + i);
            }
            i++;
        }
        if (i != s.length()) {
            throw new AddressException("IPv4 address literal \"" + s + "\" has unexpected "
                    + DomainParser.describe(s.codePointAt(i)) + " at position " + (start + i), start + i);
        }
        return octets;
    }

    /**
     * RFC 5321 §4.1.3 IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp. With "::",
     * at most 6 groups (4 when an IPv4 tail follows) besides the "::", which stands for at least two
     * zero groups.
     */
    private static int[] ipv6(String s, int start) {
        String what = "IPv6 address literal \"" + s + "\"";
        if (s.isEmpty()) {
            throw new AddressException(what + " is empty", start);
        }
        int compress = s.indexOf("::");
        if (compress >= 0 && s.indexOf("::", compress + 1) >= 0) {
            throw new AddressException(what + " has more than one \"::\"", start + s.indexOf("::", compress + 1));
        }
        int[] ipv4 = null;
        int lastColon = s.lastIndexOf(':');
        String hexPart = s;
        if (s.indexOf('.', lastColon + 1) >= 0) {
            ipv4 = ipv4Octets(s.substring(lastColon + 1), start + lastColon + 1);
            // keep the separating colon out of the hex groups unless it belongs to "::"
            hexPart = lastColon < 0 ? "" : compress >= 0 && compress + 1 == lastColon
                    ? s.substring(0, lastColon + 1) : s.substring(0, lastColon);
        }
        List<Integer> head = new ArrayList<>();
        List<Integer> tail = new ArrayList<>();
        if (compress >= 0) {
            groups(hexPart.substring(0, compress), start, head, what);
            groups(hexPart.substring(compress + 2), start + compress + 2, tail, what);
        } else {
            groups(hexPart, start, head, what);
        }
        int explicit = head.size() + tail.size() + (ipv4 != null ? 2 : 0);
        if (compress < 0 && explicit != 8) {
            throw new AddressException(what + " has " + explicit + " groups of 16 bits; it needs 8 or a \"::\"",
                    start);
        }
        if (compress >= 0 && explicit > 6) {
            throw new AddressException(what + " has too many groups around \"::\" (RFC 5321 §4.1.3 allows "
                    + (ipv4 != null ? 4 : 6) + ")", start + compress);
        }
        int[] out = new int[8];
        for (int i = 0; i < head.size(); i++) {
            out[i] = head.get(i);
        }
        int tailStart = 8 - tail.size() - (ipv4 != null ? 2 : 0);
        for (int i = 0; i < tail.size(); i++) {
            out[tailStart + i] = tail.get(i);
        }
        if (ipv4 != null) {
            out[6] = ipv4[0] << 8 | ipv4[1];
            out[7] = ipv4[2] << 8 | ipv4[3];
        }
        return out;
    }

    /** IPv6-hex *(":" IPv6-hex), or nothing; IPv6-hex = 1*4HEXDIG. */
    private static void groups(String s, int start, List<Integer> out, String what) {
        if (s.isEmpty()) {
            return;
        }
        int i = 0;
        while (true) {
            int groupStart = i;
            int value = 0;
            while (i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80) {
                if (i - groupStart == 4) {
                    throw new AddressException(what + " has a group longer than 4 hex digits at position "
                            + (start + groupStart), start + groupStart);
                }
                value = value << 4 | Character.digit(s.charAt(i), 16);
                i++;
            }
            if (i == groupStart) {
                String found = i < s.length() ? DomainParser.describe(s.codePointAt(i)) : "the end";
                throw new AddressException(what + " needs a hex group at position " + (start + i) + " but has "
                        + found, start + i);
            }
            out.add(value);
            if (i == s.length()) {
                return;
            }
            if (s.charAt(i) != ':') {
                throw new AddressException(what + " has unexpected " + DomainParser.describe(s.codePointAt(i))
                        + " at position " + (start + i), start + i);
            }
            i++;
        }
    }
}
