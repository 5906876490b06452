package io.yubin.store;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA1, 30-second
 * steps from the Unix epoch, 6 digits; secrets of 160 bits (RFC 4226 §4 R6) written in base32 (RFC
 * 4648 §6) without padding, and the {@code otpauth://} URI of Google Authenticator's Key Uri Format.
 */
public final class TotpCodes {

    /** RFC 6238 §4.1: X, the time step. */
    public static final int PERIOD_SECONDS = 30;
    public static final int DIGITS = 6;
    /** The issuer an authenticator app shows above the account. */
    public static final String ISSUER = "Yubin";

    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
    private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private TotpCodes() {
    }

    /** A new 160-bit secret, base32. */
    public static String newSecret(SecureRandom random) {
        byte[] key = new byte[20];
        random.nextBytes(key);
        return base32(key);
    }

    /** RFC 4226 §5.3 (HOTP) over the time step {@code step}, with {@code digits} digits and HMAC {@code algorithm}. */
    static String code(byte[] key, long step, int digits, String algorithm) {
        byte[] hash;
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, "RAW"));
            byte[] counter = new byte[8];
            for (int i = 7; i >= 0; i--) {
                counter[i] = (byte) step;
                step >>>= 8;
            }
            hash = mac.doFinal(counter);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is always available", e);
        }
        // RFC 4226 §5.4: dynamic truncation.
        int offset = hash[hash.length - 1] & 0xf;
        int binary = ((hash[offset] & 0x7f) << 24) | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8) | (hash[offset + 3] & 0xff);
        String code = Integer.toString(binary % POWERS[digits]);
        return "0".repeat(digits - code.length()) + code;
    }

    /** The 6-digit code of {@code secret} (base32) at {@code at}. */
    public static String code(String secret, Instant at) {
        return code(base32Decode(secret), Math.floorDiv(at.getEpochSecond(), PERIOD_SECONDS), DIGITS, "HmacSHA1");
    }

    /**
     * Whether {@code code} is the secret's code at {@code at} or one step before or after (RFC 6238
     * §5.2: clocks drift and codes take time to type). Compared in constant time.
     */
    public static boolean verify(String secret, String code, Instant at) {
        return step(secret, code, at).isPresent();
    }

    /**
     * The time step whose code {@code code} is, among the step of {@code at} and the one before and
     * after it (as {@link #verify}); empty when none. A verifier that accepts each code once (RFC 6238
     * §5.2) remembers the step.
     */
    public static OptionalLong step(String secret, String code, Instant at) {
        String given = code.strip();
        if (given.length() != DIGITS || !given.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        byte[] key = base32Decode(secret);
        long step = Math.floorDiv(at.getEpochSecond(), PERIOD_SECONDS);
        OptionalLong found = OptionalLong.empty();
        for (long s = step - 1; s <= step + 1; s++) {
            // Every step compared, in constant time, whichever matches.
            if (MessageDigest.isEqual(code(key, s, DIGITS, "HmacSHA1").getBytes(StandardCharsets.US_ASCII),
                    given.getBytes(StandardCharsets.US_ASCII))) {
                found = OptionalLong.of(s);
            }
        }
        return found;
    }

    /** The otpauth URI an authenticator app reads (from a QR code) to enrol {@code account}. */
    public static String uri(String account, String secret) {
        String label = encode(ISSUER) + ":" + encode(account).replace("%40", "@");
        return "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + encode(ISSUER)
                + "&algorithm=SHA1&digits=" + DIGITS + "&period=" + PERIOD_SECONDS;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String base32(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        return out.toString();
    }

    /** Case, spaces and padding do not matter. */
    static byte[] base32Decode(String text) {
        String s = text.replace(" ", "").replace("=", "").toUpperCase(Locale.ROOT);
        byte[] out = new byte[s.length() * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
            if (v < 0) {
                throw new IllegalArgumentException("not base32: " + c);
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >> (bits - 8));
                bits -= 8;
            }
        }
        return out;
    }
}
