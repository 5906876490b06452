package io.yubin.operator.dns;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** TXT record text as character-strings. */
public final class TxtStrings {

    /** RFC 1035 §3.3: a character-string is a length octet and at most 255 octets. */
    public static final int MAX_OCTETS = 255;

    private TxtStrings() {
    }

    /**
     * {@code text} cut into strings of at most 255 octets; a reader joins them without a
     * separator (RFC 6376 §3.6.2.2, RFC 7208 §3.3). Only printable ASCII is expected here.
     */
    public static List<String> split(String text) {
        byte[] octets = text.getBytes(StandardCharsets.US_ASCII);
        List<String> parts = new ArrayList<>();
        for (int from = 0; from < octets.length; from += MAX_OCTETS) {
            parts.add(new String(octets, from, Math.min(MAX_OCTETS, octets.length - from), StandardCharsets.US_ASCII));
        }
        if (parts.isEmpty()) {
            parts.add("");
        }
        return parts;
    }

    /** The strings quoted as a zone file writes them: {@code "v=DKIM1; k=rsa; p=MIIB..." "...AQAB"}. */
    public static String presentation(List<String> strings) {
        StringBuilder out = new StringBuilder();
        for (String s : strings) {
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\');
                }
                out.append(c);
            }
            out.append('"');
        }
        return out.toString();
    }
}
