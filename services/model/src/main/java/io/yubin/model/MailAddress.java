package io.yubin.model;

/**
 * A mailbox address {@code local-part@domain} (RFC 5321 §4.1.2 Mailbox, RFC 5322 §3.4.1
 * addr-spec, RFC 6531 UTF-8 local parts).
 *
 * <p>Equality uses {@link #canonical()}: domains compare by A-label, local parts compare without
 * regard to case (Unicode NFC, then lower case). The local part keeps the spelling it was given
 * for display and for relaying.
 *
 * @param localPart the local part as received, quotes removed
 * @param domain the domain, or an address literal such as {@code [192.0.2.1]}
 *     ({@link Domain#isAddressLiteral()})
 */
public record MailAddress(String localPart, Domain domain) {

    /**
     * Parses an address; UTF-8 in the local part and U-labels in the domain are allowed (SMTPUTF8).
     *
     * @throws AddressException naming the problem and its position
     */
    public static MailAddress parse(String text) {
        return AddressParser.parse(text, true);
    }

    /** Parses an address, refusing non-ASCII local parts when {@code allowUtf8} is false. */
    public static MailAddress parse(String text, boolean allowUtf8) {
        return AddressParser.parse(text, allowUtf8);
    }

    /** The form used as a key: normalized local part, {@code @}, A-label domain. */
    public String canonical() {
        return AddressParser.canonicalLocalPart(localPart) + "@" + domain.ascii();
    }

    /** True when the local part has non-ASCII characters (needs SMTPUTF8 to relay). */
    public boolean isUtf8() {
        return !localPart.chars().allMatch(c -> c < 0x80);
    }

    /** The address as it is written in SMTP and headers, quoting the local part if needed. */
    @Override
    public String toString() {
        return AddressParser.formatLocalPart(localPart) + "@" + domain.ascii();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MailAddress other && canonical().equals(other.canonical());
    }

    @Override
    public int hashCode() {
        return canonical().hashCode();
    }
}
