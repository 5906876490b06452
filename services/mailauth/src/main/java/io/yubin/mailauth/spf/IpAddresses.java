package io.yubin.mailauth.spf;

import io.yubin.model.Ipv6Text;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** The address texts SPF reads and writes, parsed strictly and without DNS. */
final class IpAddresses {

    private IpAddresses() {
    }

    /**
     * The 4 octets of {@code text} in the §12 ip4-network form (four decimal numbers 0-255
     * without leading zeros), or null.
     */
    static byte[] parseIpv4(String text) {
        String[] fields = text.split("\\.", -1);
        if (fields.length != 4) {
            return null;
        }
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            String f = fields[i];
            if (f.isEmpty() || f.length() > 3 || (f.length() > 1 && f.charAt(0) == '0')
                    || !f.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(f);
            if (value > 255) {
                return null;
            }
            address[i] = (byte) value;
        }
        return address;
    }

    /**
     * The 16 octets of {@code text} in a text form of RFC 4291 §2.2 (groups of 1 to 4 hex digits,
     * one "::" for one or more zero groups, an IPv4 address in the last 32 bits), or null.
     */
    static byte[] parseIpv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap >= 0 ? text.substring(0, gap) : text;
        String tail = gap >= 0 ? text.substring(gap + 2) : "";
        int[] before = groups(head, gap < 0);
        int[] after = groups(tail, true);
        if (before == null || after == null) {
            return null;
        }
        int count = before.length + after.length;
        if (gap < 0 ? count != 8 : count > 7) {
            return null;
        }
        byte[] address = new byte[16];
        for (int i = 0; i < before.length; i++) {
            address[2 * i] = (byte) (before[i] >> 8);
            address[2 * i + 1] = (byte) before[i];
        }
        for (int i = 0; i < after.length; i++) {
            int at = 8 - after.length + i;
            address[2 * at] = (byte) (after[i] >> 8);
            address[2 * at + 1] = (byte) after[i];
        }
        return address;
    }

    /** The 16-bit groups of one side of "::"; an IPv4 tail, when allowed, counts as two. */
    private static int[] groups(String side, boolean ipv4TailAllowed) {
        if (side.isEmpty()) {
            return new int[0];
        }
        String[] fields = side.split(":", -1);
        int last = fields.length - 1;
        byte[] ipv4 = ipv4TailAllowed && fields[last].contains(".") ? parseIpv4(fields[last]) : null;
        int[] groups = new int[ipv4 == null ? fields.length : fields.length + 1];
        for (int i = 0; i < fields.length; i++) {
            if (i == last && ipv4 != null) {
                groups[i] = ((ipv4[0] & 0xff) << 8) | (ipv4[1] & 0xff);
                groups[i + 1] = ((ipv4[2] & 0xff) << 8) | (ipv4[3] & 0xff);
                break;
            }
            String f = fields[i];
            if (f.isEmpty() || f.length() > 4 || !f.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 0x80)) {
                return null;
            }
            groups[i] = Integer.parseInt(f, 16);
        }
        return groups;
    }

    /** §5 (paragraph on IPv4-mapped addresses): ::ffff:a.b.c.d is the IPv4 address a.b.c.d. */
    static InetAddress unmapped(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16 && Arrays.equals(b, 0, 10, new byte[10], 0, 10) && b[10] == (byte) 0xff
                && b[11] == (byte) 0xff) {
            try {
                return Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16));
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 octets make an IPv4 address", e);
            }
        }
        return address;
    }

    /**
     * The %{i} form (§7.3): dotted quad, or the 32 nibbles of an IPv6 address separated by dots,
     * most significant first, as upper-case hex digits (as pyspf writes them, which the RFC 7208
     * test suite's explanations show; DNS compares names case-insensitively).
     */
    static String dotted(byte[] b) {
        StringBuilder out = new StringBuilder(63);
        for (int i = 0; i < b.length; i++) {
            if (i > 0) {
                out.append('.');
            }
            if (b.length == 4) {
                out.append(b[i] & 0xff);
            } else {
                out.append(Character.toUpperCase(Character.forDigit((b[i] >> 4) & 0xf, 16))).append('.')
                        .append(Character.toUpperCase(Character.forDigit(b[i] & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** The %{c} form (§7.3): dotted quad, or the RFC 5952 text of an IPv6 address. */
    static String readable(byte[] b) {
        return b.length == 4 ? dotted(b) : Ipv6Text.of(b);
    }
}
