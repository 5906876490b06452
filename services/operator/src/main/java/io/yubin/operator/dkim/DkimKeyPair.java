package io.yubin.operator.dkim;

import io.yubin.operator.DomainSettings.DkimAlgorithm;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;

/**
 * A DKIM key pair as the operator keeps it: the private key as unencrypted PKCS#8 PEM (the form
 * the signer's key directory reads), and the public key as the p= value of the DNS record.
 *
 * @param rsaBits the modulus size; 0 for Ed25519
 * @param publicKey p=: a SubjectPublicKeyInfo for RSA (RFC 6376 §3.6.1, as openssl writes it), the
 *     32 raw key octets for Ed25519 (RFC 8463 §4.2), base64
 */
public record DkimKeyPair(DkimAlgorithm algorithm, int rsaBits, String privateKeyPem, String publicKey) {

    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";
    private static final BigInteger F4 = BigInteger.valueOf(65537);

    /** A new key pair; RSA generation of 3072 bits takes a second or more. */
    public static DkimKeyPair generate(DkimAlgorithm algorithm, int rsaBits, SecureRandom random) {
        try {
            if (algorithm == DkimAlgorithm.ED25519_SHA256) {
                Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
                generator.init(new Ed25519KeyGenerationParameters(random));
                return of((Ed25519PrivateKeyParameters) generator.generateKeyPair().getPrivate());
            }
            RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
            // certainty 112: the prime test strength BC's KeyPairGenerator uses for 2048 bits and up
            generator.init(new RSAKeyGenerationParameters(F4, random, rsaBits, 112));
            AsymmetricCipherKeyPair pair = generator.generateKeyPair();
            return of((RSAPrivateCrtKeyParameters) pair.getPrivate());
        } catch (IOException e) {
            throw new IllegalStateException("encoding a new key failed", e);
        }
    }

    /**
     * The key pair of a PKCS#8 PEM private key read back from the Secret.
     *
     * @throws IllegalArgumentException when it is not an RSA or Ed25519 PKCS#8 PEM key
     */
    public static DkimKeyPair parse(String pem) {
        int from = pem.indexOf(BEGIN);
        int to = pem.indexOf(END);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
        }
        AsymmetricKeyParameter key;
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + BEGIN.length(), to));
            key = PrivateKeyFactory.createKey(PrivateKeyInfo.getInstance(der));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable PKCS#8 key: " + e.getMessage(), e);
        }
        try {
            if (key instanceof RSAPrivateCrtKeyParameters rsa) {
                return of(rsa);
            }
            if (key instanceof Ed25519PrivateKeyParameters ed) {
                return of(ed);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode the key: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("neither an RSA nor an Ed25519 key");
    }

    private static DkimKeyPair of(RSAPrivateCrtKeyParameters rsa) throws IOException {
        RSAKeyParameters publicKey = new RSAKeyParameters(false, rsa.getModulus(), rsa.getPublicExponent());
        byte[] spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(publicKey).getEncoded();
        byte[] pkcs8 = PrivateKeyInfoFactory.createPrivateKeyInfo(rsa).getEncoded();
        return new DkimKeyPair(DkimAlgorithm.RSA_SHA256, rsa.getModulus().bitLength(), pem(pkcs8),
                Base64.getEncoder().encodeToString(spki));
    }

    private static DkimKeyPair of(Ed25519PrivateKeyParameters ed) throws IOException {
        // RFC 8410 §7: version 0 (v1), no public key attached, which every PKCS#8 reader takes
        byte[] pkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519),
                new DEROctetString(ed.getEncoded())).getEncoded();
        return new DkimKeyPair(DkimAlgorithm.ED25519_SHA256, 0, pem(pkcs8),
                Base64.getEncoder().encodeToString(ed.generatePublicKey().getEncoded()));
    }

    private static String pem(byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return BEGIN + "\n" + body + "\n" + END + "\n";
    }

    /** The DKIM key record's text (RFC 6376 §3.6.1), before it is cut into 255-octet strings. */
    public String record() {
        return "v=DKIM1; k=" + (algorithm == DkimAlgorithm.ED25519_SHA256 ? "ed25519" : "rsa") + "; p=" + publicKey;
    }

    /** Whether this key is of the algorithm and size the settings ask for. */
    public boolean matches(DkimAlgorithm wanted, int wantedBits) {
        return algorithm == wanted && (wanted == DkimAlgorithm.ED25519_SHA256 || rsaBits == wantedBits);
    }
}
