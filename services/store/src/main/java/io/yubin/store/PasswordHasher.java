package io.yubin.store;

/** Argon2id password hashing in PHC string format (Bouncy Castle). */
public final class PasswordHasher {

    /** Argon2id parameters: memory in KiB, iterations, parallelism. */
    public record Parameters(int memoryKiB, int iterations, int parallelism) {
        /** OWASP's recommended minimum: m=19 MiB, t=2, p=1. */
        public static final Parameters DEFAULT = new Parameters(19 * 1024, 2, 1);
    }

    public PasswordHasher(Parameters parameters) {
        throw new UnsupportedOperationException("being written");
    }

    public String hash(char[] password) {
        throw new UnsupportedOperationException();
    }

    public boolean verify(String phc, char[] password) {
        throw new UnsupportedOperationException();
    }
}
