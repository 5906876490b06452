package io.yubin.store;

import io.yubin.model.MailAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A user account. Its address is its login name and its primary mail address.
 *
 * @param address the user's address
 * @param passwordHash a PHC-format Argon2id hash ({@code $argon2id$v=19$...})
 * @param quota the user's storage and message-count quota (RFC 9208); {@link QuotaLimits#NONE}: no limit
 * @param createdAt when it was created
 * @param totp its TOTP enrolment; while present the password no longer logs in (app passwords do)
 */
public record UserRecord(MailAddress address, String passwordHash, QuotaLimits quota, Instant createdAt,
        Optional<Totp> totp) {

    /** A user without two-factor authentication. */
    public UserRecord(MailAddress address, String passwordHash, QuotaLimits quota, Instant createdAt) {
        this(address, passwordHash, quota, createdAt, Optional.empty());
    }

    public UserRecord {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(passwordHash, "passwordHash");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(quota, "quota");
        Objects.requireNonNull(totp, "totp");
    }

    /** Never print the hash. */
    @Override
    public String toString() {
        return "UserRecord[" + address + ", quota=" + quota + ", created=" + createdAt
                + (totp.isPresent() ? ", totp" : "") + "]";
    }
}
