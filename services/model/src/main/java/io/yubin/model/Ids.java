package io.yubin.model;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * Identifiers that sort by creation time: 48 bits of milliseconds and 80 random bits, written as 26
 * characters of Crockford base32 (the ULID layout). Used for spool entries, blobs and mailboxes.
 */
public final class Ids {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /**
     * The milliseconds since the epoch at which {@code id} was made: its first ten characters. Empty
     * when {@code id} does not start with ten characters of the alphabet.
     */
    public static OptionalLong epochMillis(String id) {
        if (id.length() < 10) {
            return OptionalLong.empty();
        }
        long time = 0;
        for (int i = 0; i < 10; i++) {
            int digit = Arrays.binarySearch(ALPHABET, id.charAt(i));
            if (digit < 0) {
                return OptionalLong.empty();
            }
            time = (time << 5) | digit;
        }
        return OptionalLong.of(time);
    }

    /** A new time-ordered identifier. */
    public static String timeOrdered() {
        return timeOrdered(System.currentTimeMillis());
    }

    /** A new identifier that sorts as if made at {@code epochMillis}. */
    public static String timeOrdered(long epochMillis) {
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long time = epochMillis;
        char[] out = new char[26];
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        // 80 random bits -> 16 characters
        long hi = 0;
        for (int i = 0; i < 5; i++) {
            hi = (hi << 8) | (random[i] & 0xff);
        }
        long lo = 0;
        for (int i = 5; i < 10; i++) {
            lo = (lo << 8) | (random[i] & 0xff);
        }
        for (int i = 17; i >= 10; i--) {
            out[i] = ALPHABET[(int) (hi & 31)];
            hi >>>= 5;
        }
        for (int i = 25; i >= 18; i--) {
            out[i] = ALPHABET[(int) (lo & 31)];
            lo >>>= 5;
        }
        return new String(out);
    }
}
