package io.yubin.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Checks an {@code Authorization} header against the configured token (RFC 6750 §2.1). Both sides
 * are hashed first, so the constant-time comparison also hides the token's length.
 */
final class BearerToken {

    private final byte[] expectedDigest;

    BearerToken(String token) {
        this.expectedDigest = sha256(token);
    }

    boolean accepts(String authorizationHeader) {
        return presented(authorizationHeader)
                .map(presented -> MessageDigest.isEqual(expectedDigest, sha256(presented)))
                .orElse(false);
    }

    /** The token of a {@code Bearer} header, whatever it is. */
    static Optional<String> presented(String authorizationHeader) {
        if (authorizationHeader == null) {
            return Optional.empty();
        }
        // RFC 7235 §2.1: the scheme name is case-insensitive.
        String header = authorizationHeader.strip();
        int space = header.indexOf(' ');
        if (space < 0 || !header.substring(0, space).equalsIgnoreCase("Bearer")) {
            return Optional.empty();
        }
        String presented = header.substring(space + 1).strip();
        return presented.isEmpty() ? Optional.empty() : Optional.of(presented);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
