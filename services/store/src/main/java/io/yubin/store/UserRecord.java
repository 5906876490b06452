package io.yubin.store;

import io.yubin.model.MailAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * A user account. Its address is its login name and its primary mail address.
 *
 * @param address the user's address
 * @param passwordHash a PHC-format Argon2id hash ({@code $argon2id$v=19$...})
 * @param quotaBytes the storage quota in octets; 0 means no limit
 * @param createdAt when it was created
 */
public record UserRecord(MailAddress address, String passwordHash, long quotaBytes, Instant createdAt) {

    public UserRecord {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(passwordHash, "passwordHash");
        Objects.requireNonNull(createdAt, "createdAt");
        if (quotaBytes < 0) {
            throw new IllegalArgumentException("quotaBytes must not be negative");
        }
    }

    /** Never print the hash. */
    @Override
    public String toString() {
        return "UserRecord[" + address + ", quota=" + quotaBytes + ", created=" + createdAt + "]";
    }
}
