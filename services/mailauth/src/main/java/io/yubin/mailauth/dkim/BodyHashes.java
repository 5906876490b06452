package io.yubin.mailauth.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body hashes of all signatures of a message in one pass over the body: one canonicalizer per
 * canonicalization in use, feeding one digest per (canonicalization, hash, l=) in use.
 */
final class BodyHashes {

    /** What a body hash depends on; {@code limit} is l=, or -1 for the whole body. */
    record Key(Canonicalization canonicalization, String digest, long limit) {
    }

    /** A body hash and the length of the whole canonical body it was taken from. */
    record Hash(byte[] digest, long canonicalLength) {
    }

    private final Map<Key, LimitedDigest> digests = new LinkedHashMap<>();
    private final Map<Canonicalization, BodyCanonicalizer> canonicalizers = new EnumMap<>(Canonicalization.class);
    private final Map<Canonicalization, Long> lengths = new EnumMap<>(Canonicalization.class);

    BodyHashes(Collection<Key> keys) {
        Map<Canonicalization, List<LimitedDigest>> sinks = new EnumMap<>(Canonicalization.class);
        for (Key key : keys) {
            if (!digests.containsKey(key)) {
                LimitedDigest digest = new LimitedDigest(key);
                digests.put(key, digest);
                sinks.computeIfAbsent(key.canonicalization(), c -> new ArrayList<>()).add(digest);
            }
        }
        sinks.forEach((c, list) -> canonicalizers.put(c, c.body((bytes, offset, length) -> {
            for (LimitedDigest d : list) {
                d.write(bytes, offset, length);
            }
        })));
    }

    boolean isEmpty() {
        return digests.isEmpty();
    }

    void update(byte[] bytes, int offset, int length) {
        for (BodyCanonicalizer c : canonicalizers.values()) {
            c.update(bytes, offset, length);
        }
    }

    Map<Key, Hash> finish() {
        canonicalizers.forEach((c, canonicalizer) -> lengths.put(c, canonicalizer.finish()));
        Map<Key, Hash> hashes = new LinkedHashMap<>();
        digests.forEach((key, d) -> hashes.put(key,
                new Hash(d.digest.digest(), lengths.get(key.canonicalization()))));
        return hashes;
    }

    private static final class LimitedDigest {
        final MessageDigest digest;
        final long limit;
        long hashed;

        LimitedDigest(Key key) {
            try {
                digest = MessageDigest.getInstance(key.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            limit = key.limit();
        }

        void write(byte[] bytes, int offset, int length) {
            // §3.4.5: l= counts octets of the canonical body
            int n = limit < 0 ? length : (int) Math.min(length, limit - hashed);
            if (n > 0) {
                digest.update(bytes, offset, n);
                hashed += n;
            }
        }
    }
}
