package io.yubin.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's bearer token: 256 random bits, URL-safe base64, kept in
 * {@code <data-dir>/admin-token} (mode 0600) so that the management commands on the same machine
 * can read it.
 */
public final class AdminToken {

    public static final String FILE_NAME = "admin-token";
    private static final int BYTES = 32;
    private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);

    private AdminToken() {
    }

    public static Path file(Path dataDir) {
        return dataDir.resolve(FILE_NAME);
    }

    /** Reads the token, or on first start generates and stores one. */
    public static String loadOrCreate(Path dataDir) throws IOException {
        Path file = file(dataDir);
        if (Files.exists(file)) {
            return read(file);
        }
        byte[] random = new byte[BYTES];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        FilePermissions.writeAtomically(file, (token + "\n").getBytes(StandardCharsets.US_ASCII), true);
        LOG.info("Generated the admin token in {}", file);
        return token;
    }

    /** Reads an existing token file. */
    public static String read(Path file) throws IOException {
        String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (token.isEmpty()) {
            throw new IOException("the admin token file " + file + " is empty; delete it to generate a new token");
        }
        return token;
    }
}
