package io.yubin.store;

import io.yubin.model.MailAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Successful password verifications, remembered for a while so that a mail client logging in every
 * few commands costs one Argon2id run per {@link Settings#ttl()} instead of one per login.
 *
 * <p>An entry is keyed by the user and an HMAC-SHA256 of user and secret under a random key made
 * when this object is created: never the secret, and no plain hash of it that could be looked up
 * elsewhere. Each entry also holds the password hash it was verified against, and is a hit only
 * while the user's current hash is the same, so a password change made by any cluster member makes
 * it miss. It expires {@code ttl} after the verification (a hit does not extend it); beyond
 * {@code maxEntries} the least recently used entry goes. Only successes go in: a wrong secret
 * never matches an entry. In memory, per process; thread-safe.
 */
public final class PasswordVerificationCache {

    /**
     * @param ttl how long a verification is remembered; zero turns the cache off
     * @param maxEntries most entries kept
     */
    public record Settings(Duration ttl, int maxEntries) {

        /** Five minutes, 10,000 entries. */
        public static final Settings DEFAULT = new Settings(Duration.ofMinutes(5), 10_000);
        /** Nothing is remembered: every login runs the password hash. */
        public static final Settings DISABLED = new Settings(Duration.ZERO, 1);

        public Settings {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("ttl must not be negative");
            }
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be at least 1");
            }
        }

        public boolean enabled() {
            return !ttl.isZero();
        }
    }

    /** What a verification is remembered by: the canonical user and the hex HMAC of user and secret. */
    record Key(String user, String secretMac) {
    }

    private record Entry(String passwordHash, Instant expires) {
    }

    private static final String MAC = "HmacSHA256";

    private final Settings settings;
    private final Clock clock;
    private final SecretKeySpec macKey;
    private final Map<Key, Entry> entries;

    public PasswordVerificationCache(Settings settings) {
        this(settings, Clock.systemUTC());
    }

    public PasswordVerificationCache(Settings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        byte[] keyBytes = new byte[32];
        new SecureRandom().nextBytes(keyBytes);
        this.macKey = new SecretKeySpec(keyBytes, MAC);
        Arrays.fill(keyBytes, (byte) 0);
        int maxEntries = settings.maxEntries();
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The key this user and secret are remembered by; empty when the cache is off. */
    Optional<Key> key(MailAddress user, char[] secret) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        String canonical = user.canonical();
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(secret));
        try {
            Mac mac = Mac.getInstance(MAC);
            mac.init(macKey);
            mac.update(canonical.getBytes(StandardCharsets.UTF_8));
            // A canonical address holds no NUL, so user and secret cannot run into each other.
            mac.update((byte) 0);
            mac.update(encoded);
            return Optional.of(new Key(canonical, HexFormat.of().formatHex(mac.doFinal())));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        } finally {
            Arrays.fill(encoded.array(), (byte) 0);
        }
    }

    /**
     * True when this key was verified against {@code currentPasswordHash} less than the TTL ago.
     * An expired entry, or one verified against another hash, is dropped.
     */
    synchronized boolean verified(Key key, String currentPasswordHash) {
        Entry e = entries.get(key);
        if (e == null) {
            return false;
        }
        if (!clock.instant().isBefore(e.expires()) || !e.passwordHash().equals(currentPasswordHash)) {
            entries.remove(key);
            return false;
        }
        return true;
    }

    /** Remembers a successful verification of the key's secret against {@code passwordHash}. */
    synchronized void remember(Key key, String passwordHash) {
        entries.put(key, new Entry(passwordHash, clock.instant().plus(settings.ttl())));
    }

    /** Drops every entry of the user: its password changed, it was removed or it was locked out. */
    public synchronized void forget(MailAddress user) {
        String canonical = user.canonical();
        entries.keySet().removeIf(k -> k.user().equals(canonical));
    }

    public synchronized void clear() {
        entries.clear();
    }

    /** Entries held now, expired ones included until they are looked up or evicted. */
    public synchronized int size() {
        return entries.size();
    }

    /** The keys held now, least recently used first (for tests). */
    synchronized List<Key> keys() {
        return List.copyOf(entries.keySet());
    }
}
