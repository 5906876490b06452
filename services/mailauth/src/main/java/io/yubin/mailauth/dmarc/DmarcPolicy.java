package io.yubin.mailauth.dmarc;

import java.util.Locale;

/** The requested handling of a message that fails DMARC (RFC 7489 §6.3 p= and sp=). */
public enum DmarcPolicy {
    NONE,
    QUARANTINE,
    REJECT;

    /** The value as written in the record and in {@code policy.dmarc}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The next policy down, for a message outside the pct= sample (RFC 7489 §6.6.4). */
    public DmarcPolicy lower() {
        return this == REJECT ? QUARANTINE : NONE;
    }

    static DmarcPolicy parse(String text) {
        return switch (text) {
            case "none" -> NONE;
            case "quarantine" -> QUARANTINE;
            case "reject" -> REJECT;
            default -> null;
        };
    }
}
