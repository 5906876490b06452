package io.yubin.model;

/** The text of an IPv6 address as RFC 5952 writes it: one formatter for SMTP address literals and SPF. */
public final class Ipv6Text {

    private Ipv6Text() {
    }

    /** The address of 16 octets (network order). */
    public static String of(byte[] octets) {
        if (octets.length != 16) {
            throw new IllegalArgumentException("an IPv6 address has 16 octets, not " + octets.length);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((octets[2 * i] & 0xff) << 8) | (octets[2 * i + 1] & 0xff);
        }
        return of(g);
    }

    /** RFC 5952 §4: lower case, no leading zeros, the longest run (two or more) of zero groups as "::". */
    public static String of(int[] g) {
        // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
        if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
            return "::ffff:" + (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(g[i]));
        }
        return out.toString();
    }
}
