package io.yubin.mailauth.spf;

/** Which identity a check authorized (RFC 7208 §2.3, §2.4). */
public enum SpfIdentity {
    /** The SMTP MAIL FROM address, or postmaster@HELO for a null reverse-path (§2.4). */
    MAILFROM("smtp.mailfrom"),
    /** The HELO/EHLO domain (§2.3). */
    HELO("smtp.helo");

    private final String property;

    SpfIdentity(String property) {
        this.property = property;
    }

    /** The Authentication-Results property naming this identity (RFC 8601 §2.7.2). */
    public String property() {
        return property;
    }
}
