package io.yubin.mailauth.dkim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Key pairs made once per test run, their DNS records, and a key lookup over a map. */
final class TestKeys {

    static final KeyPair RSA_2048 = generate("RSA", 2048);
    static final KeyPair ED25519 = generate("Ed25519", 0);
    private static final Map<Integer, KeyPair> RSA_BY_SIZE = new ConcurrentHashMap<>();

    private TestKeys() {
    }

    static KeyPair rsa(int bits) {
        return bits == 2048 ? RSA_2048 : RSA_BY_SIZE.computeIfAbsent(bits, b -> generate("RSA", b));
    }

    private static KeyPair generate(String algorithm, int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (bits > 0) {
                generator.initialize(new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The p= value: SubjectPublicKeyInfo for RSA, the raw 32 bytes for Ed25519 (RFC 8463 §4). */
    static String publicKeyValue(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        boolean ed = pair.getPublic().getAlgorithm().startsWith("Ed");
        return Base64.getEncoder().encodeToString(ed ? Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki);
    }

    /** The key record of a pair. */
    static String record(KeyPair pair) {
        boolean ed = pair.getPublic().getAlgorithm().startsWith("Ed");
        return "v=DKIM1; k=" + (ed ? "ed25519" : "rsa") + "; p=" + publicKeyValue(pair);
    }

    /** The 32-byte Ed25519 seed, as dkimpy (PyNaCl) takes a private key. */
    static String ed25519Seed(KeyPair pair) {
        byte[] pkcs8 = pair.getPrivate().getEncoded();
        return Base64.getEncoder().encodeToString(Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length));
    }

    /** The private key as PKCS#8 PEM, the signer's key file format. */
    static String pem(KeyPair pair) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pair.getPrivate().getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
    }

    /** A key lookup answering from a map of name to TXT records; other names have no record. */
    static final class MapLookup implements DkimKeyLookup {
        final Map<String, Answer> answers = new HashMap<>();
        final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

        MapLookup put(String name, String... records) {
            answers.put(name, new Records(List.of(records)));
            return this;
        }

        MapLookup put(String name, Answer answer) {
            answers.put(name, answer);
            return this;
        }

        @Override
        public CompletableFuture<Answer> txt(String name) {
            asked.add(name);
            return CompletableFuture.completedFuture(answers.getOrDefault(name, new NoRecord()));
        }
    }
}
