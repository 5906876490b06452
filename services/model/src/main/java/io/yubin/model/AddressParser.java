package io.yubin.model;

import java.util.Locale;

/** PLACEHOLDER: replaced by the real RFC 5321/5322/6531 parser. */
final class AddressParser {
    private AddressParser() {
    }

    static MailAddress parse(String text, boolean allowUtf8) {
        int at = text.lastIndexOf('@');
        if (at <= 0 || at == text.length() - 1) {
            throw new AddressException("address needs local-part@domain", Math.max(at, 0));
        }
        return new MailAddress(text.substring(0, at), Domain.parse(text.substring(at + 1)));
    }

    static String canonicalLocalPart(String localPart) {
        return java.text.Normalizer.normalize(localPart, java.text.Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }

    static String formatLocalPart(String localPart) {
        return localPart;
    }
}
