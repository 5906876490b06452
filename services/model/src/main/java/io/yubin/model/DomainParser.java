package io.yubin.model;

import java.util.Locale;

/** PLACEHOLDER: replaced by the real UTS #46 parser. */
final class DomainParser {
    private DomainParser() {
    }

    static Domain parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new AddressException("domain is empty", 0);
        }
        return new Domain(java.net.IDN.toASCII(text).toLowerCase(Locale.ROOT));
    }

    static String toUnicode(String ascii) {
        return java.net.IDN.toUnicode(ascii);
    }
}
