package io.yubin.model;

/** The IMAP system flags that are stored with a message (RFC 9051 §2.3.2); \Recent is not stored. */
public enum SystemFlag {
    SEEN("\\Seen"),
    ANSWERED("\\Answered"),
    FLAGGED("\\Flagged"),
    DELETED("\\Deleted"),
    DRAFT("\\Draft");

    private final String text;

    SystemFlag(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    /** Case-insensitive lookup; null when {@code text} is not a stored system flag. */
    public static SystemFlag fromText(String text) {
        for (SystemFlag f : values()) {
            if (f.text.equalsIgnoreCase(text)) {
                return f;
            }
        }
        return null;
    }
}
