package io.yubin.mailauth.dkim;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A DKIM key record (RFC 6376 §3.6.1).
 *
 * @param keyType k=, lower case ("rsa" when absent)
 * @param hashes h=, lower case; empty when absent, which allows every hash
 * @param publicKey p=, decoded; empty when the key is revoked
 * @param services s=, lower case ("*" when absent)
 * @param testing t=y: the domain is testing DKIM
 * @param strict t=s: i= must not be a subdomain of d=
 */
record DkimKeyRecord(String keyType, Set<String> hashes, byte[] publicKey, Set<String> services, boolean testing,
        boolean strict) {

    // The SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410 §4): p= holds only the 32 key bytes (RFC 8463 §4)
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
        0x21, 0x00};

    /**
     * The first of a name's TXT records that is a DKIM key record (RFC 6376 §6.1.2 leaves the choice
     * among several); the first one's error when none is.
     */
    static DkimKeyRecord first(List<String> texts) throws DkimFormatException {
        DkimFormatException first = null;
        for (String text : texts) {
            try {
                return parse(text);
            } catch (DkimFormatException e) {
                first = first == null ? e : first;
            }
        }
        throw new DkimFormatException("bad key record: " + Objects.requireNonNull(first).getMessage());
    }

    static DkimKeyRecord parse(String text) throws DkimFormatException {
        TagList tags = TagList.parse(text);
        if (tags.has("v") && (!"v".equals(tags.firstName()) || !tags.get("v").equals("DKIM1"))) {
            // §3.6.1 v=: if present it is first and "DKIM1"; other records are discarded
            throw new DkimFormatException("not a DKIM1 key record");
        }
        if (!tags.has("p")) {
            throw new DkimFormatException("key record without p=");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(TagList.stripFws(tags.get("p")));
        } catch (IllegalArgumentException e) {
            throw new DkimFormatException("key p= is not base64");
        }
        String keyType = tags.has("k") ? tags.get("k").toLowerCase(Locale.ROOT) : "rsa";
        Set<String> services = tags.has("s") ? list(tags.get("s")) : Set.of("*");
        Set<String> flags = tags.has("t") ? list(tags.get("t")) : Set.of();
        Set<String> hashes = tags.has("h") ? list(tags.get("h")) : Set.of();
        return new DkimKeyRecord(keyType, hashes, key, services, flags.contains("y"), flags.contains("s"));
    }

    boolean revoked() {
        return publicKey.length == 0;
    }

    /** §3.6.1 s=: the key may sign email. */
    boolean forEmail() {
        return services.contains("*") || services.contains("email");
    }

    /** §3.6.1 h=: the key may be used with this algorithm's hash. */
    boolean allows(DkimAlgorithm algorithm) {
        return hashes.isEmpty() || hashes.contains(algorithm.hash());
    }

    /** The public key, for k=rsa and k=ed25519. */
    PublicKey toPublicKey() throws DkimFormatException {
        try {
            return switch (keyType) {
                case "rsa" -> rsa(publicKey);
                case "ed25519" -> {
                    if (publicKey.length != 32) {
                        throw new DkimFormatException("Ed25519 key is not 32 bytes");
                    }
                    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
                    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                    System.arraycopy(publicKey, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                    yield KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
                }
                default -> throw new DkimFormatException("unsupported key type k=" + keyType);
            };
        } catch (GeneralSecurityException e) {
            throw new DkimFormatException("unreadable " + keyType + " key");
        }
    }

    // p= is a SubjectPublicKeyInfo in practice (RFC 6376 Appendix C makes it with openssl -pubout);
    // §3.6.1 names the bare RSAPublicKey, which is accepted too.
    private static PublicKey rsa(byte[] der) throws GeneralSecurityException {
        KeyFactory rsa = KeyFactory.getInstance("RSA");
        try {
            return rsa.generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            return rsa.generatePublic(new X509EncodedKeySpec(Der.rsaSpki(der)));
        }
    }

    static int rsaBits(PublicKey key) {
        BigInteger modulus = ((RSAPublicKey) key).getModulus();
        return modulus.bitLength();
    }

    private static Set<String> list(String value) {
        Set<String> items = new LinkedHashSet<>();
        for (String item : value.split(":", -1)) {
            String i = TagList.trimFws(item).toLowerCase(Locale.ROOT);
            if (!i.isEmpty()) {
                items.add(i);
            }
        }
        return Set.copyOf(items);
    }
}

