package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Sender Rewriting Scheme (SRS, in the form of Shevek's specification that libsrs2 and postsrsd
 * implement): a forwarded copy leaves with an envelope sender of the forwarding domain, so that the
 * receiver's SPF check judges this server, the host that sends it, and bounces of the copy come back
 * here, where the address is turned back into the original sender's.
 *
 * <pre>
 *   alice@origin.example                       forwarded by fwd.example:
 *   SRS0=HHHH=TT=origin.example=alice@fwd.example
 *   SRS0=HHHH=TT=origin.example=alice@first.example, forwarded again by fwd.example:
 *   SRS1=GGGG=first.example==HHHH=TT=origin.example=alice@fwd.example
 * </pre>
 *
 * {@code TT} is the day of the rewriting (days since 1970 modulo 1024, two base32 characters),
 * {@code HHHH} the first 4 base64 characters of an HMAC-SHA1 under this installation's key over the
 * rest (lower-cased, as some hosts fold the case of local parts); a reversed address must carry a hash
 * made with the key and a day at most {@link #MAX_AGE} old, so that nobody can use the forwarder to send
 * mail to an address of their choosing (no open relay). SRS1 keeps the first forwarder's SRS0 part as it
 * was and sends the bounce back to that forwarder.
 */
public final class Srs {

    /** How long a rewritten sender is taken back: bounces come within days. */
    public static final Duration MAX_AGE = Duration.ofDays(21);

    private static final String BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final int HASH_LENGTH = 4;
    private static final int MAX_LOCAL_PART = 64;

    private final byte[] key;
    private final Clock clock;

    /** With {@code key}, the same on every member of the installation. */
    public Srs(byte[] key, Clock clock) {
        if (key.length < 16) {
            throw new IllegalArgumentException("an SRS key needs at least 16 octets");
        }
        this.key = key.clone();
        this.clock = clock;
    }

    /** A key for SRS derived from an installation's shared secret, never the secret itself. */
    public static byte[] keyFrom(String sharedSecret) {
        return hmac(sharedSecret.getBytes(StandardCharsets.UTF_8), "yubin srs key v1", "HmacSHA256");
    }

    /**
     * The envelope sender of a copy that {@code forwarder} forwards from {@code sender}: SRS0, or SRS1
     * when the sender is already another forwarder's SRS address; {@code sender} itself when it is
     * already of {@code forwarder}, when its domain is an address literal, or when its SRS form would have
     * a local part of more than 64 octets.
     */
    public MailAddress forward(MailAddress sender, Domain forwarder) {
        if (sender.domain().ascii().equals(forwarder.ascii()) || sender.domain().isAddressLiteral()) {
            // Ours already; or an address literal, which no SRS address can carry back.
            return sender;
        }
        MailAddress rewritten = rewrite(sender, forwarder);
        // A local part over 64 octets (RFC 5321 §4.5.3.1.1) may be refused where the bounce would come
        // back, this server's MX among them: such a sender is kept as it is.
        return rewritten.localPart().getBytes(StandardCharsets.UTF_8).length > MAX_LOCAL_PART ? sender : rewritten;
    }

    private MailAddress rewrite(MailAddress sender, Domain forwarder) {
        String local = sender.localPart();
        String upper = local.toUpperCase(Locale.ROOT);
        if (upper.startsWith("SRS0=") || upper.startsWith("SRS0-") || upper.startsWith("SRS0+")) {
            // Another forwarder's: keep its part ("=HHHH=TT=domain=local") and send bounces back to it.
            String rest = "=" + local.substring(5);
            String first = sender.domain().ascii();
            return new MailAddress("SRS1=" + hash(first + rest) + "=" + first + "=" + rest, forwarder);
        }
        if (upper.startsWith("SRS1=") || upper.startsWith("SRS1-") || upper.startsWith("SRS1+")) {
            // SRS1=GGGG=first==...: only the hash changes, the first forwarder stays.
            String[] parts = local.substring(5).split("=", 3);
            if (parts.length == 3 && parts[2].startsWith("=")) {
                return new MailAddress("SRS1=" + hash(parts[1] + parts[2]) + "=" + parts[1] + "=" + parts[2], forwarder);
            }
        }
        String day = day(clock.millis() / 86_400_000L);
        String domain = sender.domain().ascii();
        return new MailAddress("SRS0=" + hash(day + domain + local) + "=" + day + "=" + domain + "=" + local, forwarder);
    }

    /**
     * The address a bounce to {@code recipient} goes to, when it is an SRS address made with this key
     * that has not expired: the original sender (SRS0), or the first forwarder's SRS0 address (SRS1).
     */
    public Optional<MailAddress> reverse(MailAddress recipient) {
        String local = recipient.localPart();
        if (local.length() < 5 || local.charAt(0) != 'S' && local.charAt(0) != 's') {
            return Optional.empty();
        }
        String prefix = local.substring(0, 4).toUpperCase(Locale.ROOT);
        char separator = local.charAt(4);
        if (separator != '=' && separator != '-' && separator != '+') {
            return Optional.empty();
        }
        try {
            if (prefix.equals("SRS0")) {
                // HHHH=TT=domain=local (the local part may hold '=' itself).
                String[] parts = local.substring(5).split("=", 4);
                if (parts.length != 4 || !hashMatches(parts[0], parts[1] + parts[2] + parts[3]) || expired(parts[1])) {
                    return Optional.empty();
                }
                return Optional.of(new MailAddress(parts[3], Domain.parse(parts[2])));
            }
            if (prefix.equals("SRS1")) {
                // GGGG=first==HHHH=TT=domain=local: back to the first forwarder, which checks its own part.
                String[] parts = local.substring(5).split("=", 3);
                if (parts.length != 3 || !parts[2].startsWith("=") || !hashMatches(parts[0], parts[1] + parts[2])) {
                    return Optional.empty();
                }
                return Optional.of(new MailAddress("SRS0" + parts[2], Domain.parse(parts[1])));
            }
        } catch (RuntimeException e) {
            // A malformed domain in a forged address: not one of ours.
            return Optional.empty();
        }
        return Optional.empty();
    }

    private boolean expired(String day) {
        if (day.length() != 2) {
            return true;
        }
        long then = 0;
        for (char c : day.toUpperCase(Locale.ROOT).toCharArray()) {
            int v = BASE32.indexOf(c);
            if (v < 0) {
                return true;
            }
            then = then * 32 + v;
        }
        long today = (clock.millis() / 86_400_000L) % 1024;
        long age = Math.floorMod(today - then, 1024);
        return age > MAX_AGE.toDays();
    }

    private static String day(long days) {
        int t = (int) (days % 1024);
        return "" + BASE32.charAt(t >> 5) + BASE32.charAt(t & 31);
    }

    private boolean hashMatches(String given, String data) {
        // Compared without regard to case: hosts that fold local parts to lower case lose it.
        return given.length() == HASH_LENGTH && java.security.MessageDigest.isEqual(
                given.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII),
                hash(data).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    private String hash(String data) {
        byte[] mac = hmac(key, data.toLowerCase(Locale.ROOT), "HmacSHA1");
        return Base64.getEncoder().encodeToString(mac).substring(0, HASH_LENGTH).replace('+', '-').replace('/', '_');
    }

    private static byte[] hmac(byte[] key, String data, String algorithm) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key, algorithm));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }
}
