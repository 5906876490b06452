package io.yubin.filter.spam;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a score does, per domain and per user: at or above {@code junk} the message goes to the
 * user's Junk mailbox; at or above {@code reject} SMTP refuses it at the end of data. A threshold above
 * 1 turns its action off.
 *
 * @param overrides by lower-case canonical address or A-label domain; a user's entry wins over its
 *     domain's
 */
public record SpamThresholds(Thresholds defaults, Map<String, Thresholds> overrides) {

    public record Thresholds(double junk, double reject) {
        public Thresholds {
            if (!(junk > 0) || !(reject > 0)) {
                throw new IllegalArgumentException("thresholds are above 0 (above 1 turns the action off)");
            }
        }
    }

    public SpamThresholds {
        Objects.requireNonNull(defaults, "defaults");
        overrides = Map.copyOf(overrides);
    }

    /** The thresholds of {@code user}, a canonical address. */
    public Thresholds of(String user) {
        String address = user.toLowerCase(Locale.ROOT);
        Thresholds own = overrides.get(address);
        if (own != null) {
            return own;
        }
        int at = address.lastIndexOf('@');
        return at < 0 ? defaults : overrides.getOrDefault(address.substring(at + 1), defaults);
    }
}
