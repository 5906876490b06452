package io.yubin.model;

/**
 * A DNS domain name as used in mail: stored in its ASCII (A-label) form, lower case, without a
 * trailing dot. U-label and A-label spellings of the same IDN parse to equal values. Inside a
 * mail address the domain may instead be an address literal, kept in normal form with its brackets.
 *
 * @param ascii the A-label form, lower case, e.g. {@code xn--bcher-kva.example}
 */
public record Domain(String ascii) {

    public Domain {
        if (ascii == null || ascii.isEmpty()) {
            throw new AddressException("domain is empty", 0);
        }
    }

    /**
     * Parses a domain in A-label or U-label form (UTS #46 nontransitional processing, IDNA2008
     * rules); one trailing dot is stripped. Address literals are refused here.
     */
    public static Domain parse(String text) {
        return DomainParser.parse(text);
    }

    /** The U-label (Unicode) form for display and for SMTPUTF8 sessions. */
    public String unicode() {
        return DomainParser.toUnicode(ascii);
    }

    /**
     * True for an RFC 5321 §4.1.3 address literal such as {@code [192.0.2.1]} or
     * {@code [IPv6:2001:db8::1]}; these come only from {@link MailAddress#parse(String)}.
     */
    public boolean isAddressLiteral() {
        return ascii.startsWith("[");
    }

    /** True when any label is an A-label ({@code xn--}), i.e. the name is an IDN. */
    public boolean isInternationalized() {
        return ascii.startsWith("xn--") || ascii.contains(".xn--");
    }

    @Override
    public String toString() {
        return ascii;
    }
}
