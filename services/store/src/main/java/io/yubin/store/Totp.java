package io.yubin.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A user's TOTP enrolment (RFC 6238, docs/operations.md "Two-factor authentication"). The secret is
 * kept as given, not hashed, because verifying a code needs it: it is as sensitive as a DKIM key.
 *
 * @param secret the shared secret, base32 (RFC 4648 §6) without padding
 * @param enrolledAt when it was enrolled
 */
public record Totp(String secret, Instant enrolledAt) {

    public Totp {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(enrolledAt, "enrolledAt");
    }

    /** Never print the secret. */
    @Override
    public String toString() {
        return "Totp[enrolledAt=" + enrolledAt + "]";
    }
}
