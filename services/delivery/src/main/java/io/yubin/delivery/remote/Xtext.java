package io.yubin.delivery.remote;

import java.nio.charset.StandardCharsets;

/** RFC 3461 §4: xtext, the encoding of ENVID and of ORCPT's address part on the wire. */
final class Xtext {

    private Xtext() {
    }

    /** Every octet outside "!" to "~", and "+" and "=", as "+" and two upper-case hex digits. */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 33 || c > 126 || c == '+' || c == '=') {
                out.append('+').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    /** Whether {@code text} is valid xtext: printable ASCII but "=", each "+" followed by two hex digits. */
    static boolean isXtext(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+') {
                if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
                        || Character.digit(text.charAt(i + 2), 16) < 0) {
                    return false;
                }
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                return false;
            }
        }
        return true;
    }

    /**
     * ORCPT as kept (RFC 3461 §4.2, {@code addr-type ";" xtext}): as given when it is valid, else its
     * address part encoded (a copy this server made, such as a forwarded one's {@code rfc822;alias}).
     */
    static String orcpt(String original) {
        int semicolon = original.indexOf(';');
        if (semicolon < 0) {
            return "rfc822;" + encode(original);
        }
        String address = original.substring(semicolon + 1);
        return isXtext(address) ? original : original.substring(0, semicolon + 1) + encode(address);
    }
}
