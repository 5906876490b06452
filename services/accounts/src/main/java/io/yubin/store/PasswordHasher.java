package io.yubin.store;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.util.Arrays;

/**
 * Argon2id password hashing (RFC 9106) with Bouncy Castle, stored in the PHC string format
 * {@code $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>} (base64 without padding), so the
 * parameters travel with each hash and can be raised later without breaking old hashes. Not final
 * only so that a unit test can count the verifications a cache saves.
 */
public class PasswordHasher {

    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /** Argon2id parameters: memory in KiB, iterations, parallelism. */
    public record Parameters(int memoryKiB, int iterations, int parallelism) {
        /** OWASP's recommended minimum: m=19 MiB, t=2, p=1. */
        public static final Parameters DEFAULT = new Parameters(19 * 1024, 2, 1);

        public Parameters {
            if (parallelism < 1 || iterations < 1 || memoryKiB < 8 * parallelism) {
                throw new IllegalArgumentException("Argon2id needs parallelism >= 1, iterations >= 1 and memory >= 8 KiB per lane");
            }
        }
    }

    private final Parameters parameters;
    private final SecureRandom random = new SecureRandom();

    public PasswordHasher(Parameters parameters) {
        this.parameters = parameters;
    }

    /** A new PHC string for the password with a fresh random salt. CPU- and memory-heavy. */
    public String hash(char[] password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] hash = derive(password, salt, parameters, HASH_BYTES);
        return "$argon2id$v=19$m=" + parameters.memoryKiB() + ",t=" + parameters.iterations() + ",p="
                + parameters.parallelism() + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** True when the password matches the PHC string; false for a malformed string. Constant-time compare. */
    public boolean verify(String phc, char[] password) {
        String[] parts = phc.split("\\$");
        // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
        if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
            return false;
        }
        try {
            int m = 0;
            int t = 0;
            int p = 0;
            for (String kv : parts[3].split(",")) {
                String[] pair = kv.split("=", 2);
                int value = Integer.parseInt(pair[1]);
                switch (pair[0]) {
                    case "m" -> m = value;
                    case "t" -> t = value;
                    case "p" -> p = value;
                    default -> {
                        return false;
                    }
                }
            }
            byte[] salt = B64D.decode(parts[4]);
            byte[] expected = B64D.decode(parts[5]);
            byte[] actual = derive(password, salt, new Parameters(m, t, p), expected.length);
            return Arrays.constantTimeAreEqual(expected, actual);
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return false;
        }
    }

    /** True when the hash was made with weaker parameters than the current ones (rehash on login). */
    public boolean needsRehash(String phc) {
        return !phc.startsWith("$argon2id$v=19$m=" + parameters.memoryKiB() + ",t=" + parameters.iterations() + ",p="
                + parameters.parallelism() + "$");
    }

    private static byte[] derive(char[] password, byte[] salt, Parameters p, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(p.memoryKiB())
                .withIterations(p.iterations())
                .withParallelism(p.parallelism())
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        byte[] utf8 = new String(password).getBytes(StandardCharsets.UTF_8);
        try {
            generator.generateBytes(utf8, out);
        } finally {
            java.util.Arrays.fill(utf8, (byte) 0);
        }
        return out;
    }
}
