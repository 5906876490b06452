package io.yubin.mailauth.dkim;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Locale;

/** The signing algorithms of a= (RFC 6376 §3.3, RFC 8463 §3). */
enum DkimAlgorithm {
    RSA_SHA256("rsa-sha256", "rsa", "sha256", "SHA-256"),
    ED25519_SHA256("ed25519-sha256", "ed25519", "sha256", "SHA-256"),
    /** Still parsed so that it can be reported: RFC 8301 §3.1 forbids it. */
    RSA_SHA1("rsa-sha1", "rsa", "sha1", "SHA-1");

    private final String tag;
    private final String keyType;
    private final String hash;
    private final String digest;

    DkimAlgorithm(String tag, String keyType, String hash, String digest) {
        this.tag = tag;
        this.keyType = keyType;
        this.hash = hash;
        this.digest = digest;
    }

    /** The value of a=. */
    String tag() {
        return tag;
    }

    /** The k= of a key record that may verify it. */
    String keyType() {
        return keyType;
    }

    /** The name a key record's h= lists. */
    String hash() {
        return hash;
    }

    /** The JCA name of the digest. */
    String digest() {
        return digest;
    }

    /** Signs the header hash input (RFC 6376 §3.7; for Ed25519, its SHA-256: RFC 8463 §3). */
    byte[] sign(PrivateKey key, byte[] input) throws GeneralSecurityException {
        Signature signature = signature();
        signature.initSign(key);
        signature.update(message(input));
        return signature.sign();
    }

    /** Verifies b= over the header hash input; a malformed signature is a failed one. */
    boolean verify(PublicKey key, byte[] input, byte[] value) throws GeneralSecurityException {
        Signature signature = signature();
        signature.initVerify(key);
        signature.update(message(input));
        try {
            return signature.verify(value);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private Signature signature() throws GeneralSecurityException {
        return switch (this) {
            case RSA_SHA256 -> Signature.getInstance("SHA256withRSA");
            case RSA_SHA1 -> Signature.getInstance("SHA1withRSA");
            case ED25519_SHA256 -> Signature.getInstance("Ed25519");
        };
    }

    // RFC 8463 §3: Ed25519 (pure) signs the SHA-256 hash of the data, not the data itself
    private byte[] message(byte[] input) throws GeneralSecurityException {
        return this == ED25519_SHA256 ? MessageDigest.getInstance("SHA-256").digest(input) : input;
    }

    /** The algorithm named by a=, or null for one this implementation does not know. */
    static DkimAlgorithm of(String tag) {
        for (DkimAlgorithm a : values()) {
            if (a.tag.equals(tag.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        return null;
    }
}
