package io.yubin.model;

/** Special-use mailbox attributes (RFC 6154 §2). */
public enum SpecialUse {
    ALL("\\All"),
    ARCHIVE("\\Archive"),
    DRAFTS("\\Drafts"),
    FLAGGED("\\Flagged"),
    JUNK("\\Junk"),
    SENT("\\Sent"),
    TRASH("\\Trash");

    private final String attribute;

    SpecialUse(String attribute) {
        this.attribute = attribute;
    }

    /** The attribute as written in IMAP LIST responses, e.g. {@code \Junk}. */
    public String attribute() {
        return attribute;
    }

    /** Looks up an attribute case-insensitively; null when it is not a special-use attribute. */
    public static SpecialUse fromAttribute(String attribute) {
        for (SpecialUse u : values()) {
            if (u.attribute.equalsIgnoreCase(attribute)) {
                return u;
            }
        }
        return null;
    }
}
