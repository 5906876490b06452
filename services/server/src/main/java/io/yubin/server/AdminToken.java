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
 * can read it. A generated token never begins with "-": given as {@code --token <token>} it would be
 * read as an option (one start in 64 did, and the command failed with a usage error).
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
        String token = generate(new SecureRandom());
        FilePermissions.writeAtomically(file, (token + "\n").getBytes(StandardCharsets.US_ASCII), true);
        LOG.info("Generated the admin token in {}", file);
        return token;
    }

    /** A new token: URL-safe base64 of {@value #BYTES} random octets, drawn again while it begins with "-". */
    static String generate(SecureRandom random) {
        byte[] octets = new byte[BYTES];
        String token;
        do {
            random.nextBytes(octets);
            token = Base64.getUrlEncoder().withoutPadding().encodeToString(octets);
        } while (token.startsWith("-"));
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
