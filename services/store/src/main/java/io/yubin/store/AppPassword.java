package io.yubin.store;

import java.time.Instant;

/**
 * A generated, individually revocable password for one client. The secret is random with at least
 * 128 bits of entropy, so it is stored as a SHA-256 hash (no slow hash needed) and looked up by it.
 *
 * @param id short identifier shown to the user for revocation
 * @param label what the user called it, e.g. {@code phone}
 * @param secretHash lower-case hex SHA-256 of the secret
 * @param createdAt when it was made
 */
public record AppPassword(String id, String label, String secretHash, Instant createdAt) {

    @Override
    public String toString() {
        return "AppPassword[" + id + ", " + label + ", created=" + createdAt + "]";
    }
}
