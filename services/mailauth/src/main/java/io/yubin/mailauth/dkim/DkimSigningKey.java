package io.yubin.mailauth.dkim;

import java.security.PrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Objects;

/**
 * A private key and the selector under which its public key is published. The key's type decides
 * the algorithm: RSA signs rsa-sha256, Ed25519 signs ed25519-sha256 (RFC 8463).
 *
 * @param selector s=
 * @param privateKey an RSA key of 1024 bits or more, or an Ed25519 key
 */
public record DkimSigningKey(String selector, PrivateKey privateKey) {

    public DkimSigningKey {
        Objects.requireNonNull(selector);
        algorithmOf(Objects.requireNonNull(privateKey));
        if (privateKey instanceof RSAPrivateKey rsa && rsa.getModulus().bitLength() < DkimVerifier.MIN_RSA_BITS) {
            // RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits
            throw new IllegalArgumentException("RSA key of " + rsa.getModulus().bitLength() + " bits; 1024 at least");
        }
    }

    /** The value of a= this key signs with. */
    public String algorithmName() {
        return algorithm().tag();
    }

    DkimAlgorithm algorithm() {
        return algorithmOf(privateKey);
    }

    private static DkimAlgorithm algorithmOf(PrivateKey key) {
        if (key instanceof RSAPrivateKey) {
            return DkimAlgorithm.RSA_SHA256;
        }
        if (key instanceof EdECPrivateKey ed && ed.getParams().getName().equalsIgnoreCase("Ed25519")) {
            return DkimAlgorithm.ED25519_SHA256;
        }
        throw new IllegalArgumentException("not an RSA or Ed25519 key: " + key.getAlgorithm());
    }
}
