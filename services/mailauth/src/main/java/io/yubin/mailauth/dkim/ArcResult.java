package io.yubin.mailauth.dkim;

import java.util.Locale;
import java.util.Objects;

/**
 * The chain validation status of a message's ARC sets (RFC 8617 §4.4, the {@code arc} method of
 * Authentication-Results, §7.2).
 *
 * @param status none (no ARC set), pass or fail
 * @param instances how many ARC sets the message carries (0 for none)
 * @param reason why it failed, short; empty for none and pass
 */
public record ArcResult(Status status, int instances, String reason) {

    public enum Status {
        NONE,
        PASS,
        FAIL;

        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ArcResult {
        Objects.requireNonNull(status);
        Objects.requireNonNull(reason);
    }

    static ArcResult fail(int instances, String reason) {
        return new ArcResult(Status.FAIL, instances, reason);
    }
}
