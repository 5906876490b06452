package io.yubin.mailauth.dns;

import java.net.InetAddress;
import java.util.Locale;

/** Domain names in the text form {@link DnsResolver} takes. */
public final class DnsNames {

    /** RFC 1035 §2.3.4: a label is at most 63 octets. */
    public static final int MAX_LABEL = 63;
    /** RFC 1035 §2.3.4: 255 octets on the wire, which is 253 in text without the final dot. */
    public static final int MAX_NAME = 253;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private DnsNames() {
    }

    /**
     * True when {@code name} can be asked for: printable ASCII (space included: DNS labels are
     * octet strings, and SPF macros can put a space into one), labels of 1 to 63 octets separated
     * by dots, at most 253 octets, one optional final dot.
     */
    public static boolean isValid(String name) {
        if (name == null) {
            return false;
        }
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty() || n.length() > MAX_NAME) {
            return false;
        }
        int labelLength = 0;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c == '.') {
                if (labelLength == 0) {
                    return false;
                }
                labelLength = 0;
            } else if (c < 0x20 || c > 0x7e || ++labelLength > MAX_LABEL) {
                return false;
            }
        }
        return labelLength > 0;
    }

    /** Lower case (ASCII only; DNS compares names so, RFC 4343) without the final dot. */
    public static String normalize(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        return n.toLowerCase(Locale.ROOT);
    }

    /**
     * The name of the PTR records for {@code address}: {@code 4.3.2.1.in-addr.arpa} (RFC 1035
     * §3.5) or the 32 nibbles under {@code ip6.arpa} (RFC 3596 §2.5).
     */
    public static String reverseName(InetAddress address) {
        return reversedLabels(address) + (address.getAddress().length == 4 ? ".in-addr.arpa" : ".ip6.arpa");
    }

    /**
     * The address as reversed labels without a zone: {@code 4.3.2.1} for 1.2.3.4, the 32 nibbles
     * lowest first for IPv6; under {@code in-addr.arpa}/{@code ip6.arpa} for PTR, under a list's
     * zone for a DNS blocklist (RFC 5782 §2.1, §2.4).
     */
    public static String reversedLabels(InetAddress address) {
        byte[] bytes = address.getAddress();
        StringBuilder name = new StringBuilder(bytes.length == 4 ? 16 : 64);
        for (int i = bytes.length - 1; i >= 0; i--) {
            int b = bytes[i] & 0xff;
            if (name.length() > 0) {
                name.append('.');
            }
            if (bytes.length == 4) {
                name.append(b);
            } else {
                name.append(HEX[b & 0xf]).append('.').append(HEX[b >> 4]);
            }
        }
        return name.toString();
    }
}
