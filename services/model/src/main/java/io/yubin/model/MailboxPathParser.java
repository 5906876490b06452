package io.yubin.model;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * Validates and normalizes mailbox names: NFC (RFC 9051 §5.1 asks for normalized names), INBOX in
 * any case becomes {@code INBOX}, segments separated by {@link MailboxPath#DELIMITER}.
 */
final class MailboxPathParser {

    /** Longest full name, in UTF-8 octets. */
    static final int MAX_NAME_OCTETS = 1024;
    /** Longest segment, in code points. */
    static final int MAX_SEGMENT_CODE_POINTS = 255;

    private MailboxPathParser() {
    }

    static MailboxPath parse(String name) {
        if (name == null || name.isEmpty()) {
            throw new AddressException("mailbox name is empty", 0);
        }
        // Bound the work before normalizing: NFC shrinks UTF-8 by well under a factor of four.
        if (name.length() > 4 * MAX_NAME_OCTETS) {
            throw new AddressException("mailbox name is longer than " + MAX_NAME_OCTETS + " octets", 0);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // RFC 9051 §5.1: names must not contain controls (US-ASCII or C1, RFC 5198 §2).
            if (c < 0x20 || c >= 0x7f && c <= 0x9f) {
                throw new AddressException("mailbox name has the control character " + DomainParser.describe(c)
                        + " at position " + i, i);
            }
            // RFC 9051 §5.1: '*' and '%' are LIST wildcards.
            if (c == '*' || c == '%') {
                throw new AddressException("mailbox name has the wildcard '" + c + "' at position " + i
                        + "; '*' and '%' are reserved for LIST", i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new AddressException("mailbox name has an unpaired surrogate " + DomainParser.describe(c)
                        + " at position " + i, i);
            }
        }
        String nfc = Normalizer.normalize(name, Normalizer.Form.NFC);
        int octets = nfc.getBytes(StandardCharsets.UTF_8).length;
        if (octets > MAX_NAME_OCTETS) {
            throw new AddressException("mailbox name is " + octets + " octets; the limit is " + MAX_NAME_OCTETS, 0);
        }
        int start = 0;
        while (true) {
            int slash = nfc.indexOf(MailboxPath.DELIMITER, start);
            int end = slash < 0 ? nfc.length() : slash;
            if (end == start) {
                String where = start == 0 ? "starts with '/'" : slash < 0 ? "ends with '/'" : "has '//'";
                throw new AddressException("mailbox name \"" + nfc + "\" " + where + ": a segment is empty", start);
            }
            int codePoints = nfc.codePointCount(start, end);
            if (codePoints > MAX_SEGMENT_CODE_POINTS) {
                throw new AddressException("mailbox name segment at position " + start + " is " + codePoints
                        + " characters; the limit is " + MAX_SEGMENT_CODE_POINTS, start);
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        // RFC 9051 §5.1: INBOX is case-insensitive, also as the first segment of a hierarchy.
        // Compare ASCII only: "ınbox" (dotless i) must not become INBOX.
        if (startsWithInbox(nfc)) {
            return new MailboxPath("INBOX" + nfc.substring(5));
        }
        return new MailboxPath(nfc);
    }

    private static boolean startsWithInbox(String name) {
        if (name.length() < 5 || name.length() > 5 && name.charAt(5) != MailboxPath.DELIMITER) {
            return false;
        }
        String inbox = "inbox";
        for (int i = 0; i < 5; i++) {
            char c = name.charAt(i);
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
            if (lower != inbox.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
