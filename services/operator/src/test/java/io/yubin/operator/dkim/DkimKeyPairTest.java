package io.yubin.operator.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.mailauth.dkim.DkimKeyDirectory;
import io.yubin.mailauth.dkim.DkimKeyLookup;
import io.yubin.mailauth.dkim.DkimResult;
import io.yubin.mailauth.dkim.DkimSigner;
import io.yubin.mailauth.dkim.DkimSigningKey;
import io.yubin.mailauth.dkim.DkimVerifier;
import io.yubin.operator.DomainSettings.DkimAlgorithm;
import io.yubin.operator.dns.DnsRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys the operator makes are the keys the server signs with: written in the Secret's layout
 * ({@code <domain>/<selector>.key}), read by mailauth's DkimKeyDirectory, signed with its
 * DkimSigner, and verified by its DkimVerifier against the record text the operator publishes.
 */
class DkimKeyPairTest {

    static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void ed25519KeySignsAndItsRecordVerifies(@TempDir Path dir) throws Exception {
        DkimKeyPair key = DkimKeyPair.generate(DkimAlgorithm.ED25519_SHA256, 0, RANDOM);
        assertThat(key.record()).startsWith("v=DKIM1; k=ed25519; p=");
        assertThat(java.util.Base64.getDecoder().decode(key.publicKey())).hasSize(32);
        assertSignsAndVerifies(dir, key, "ed25519-sha256");
    }

    @Test
    void rsa2048KeySignsAndItsRecordVerifies(@TempDir Path dir) throws Exception {
        DkimKeyPair key = DkimKeyPair.generate(DkimAlgorithm.RSA_SHA256, 2048, RANDOM);
        assertThat(key.rsaBits()).isEqualTo(2048);
        assertThat(key.record()).startsWith("v=DKIM1; k=rsa; p=MIIB");
        // a 2048-bit record is longer than one TXT string
        assertThat(DnsRecord.txt("s._domainkey.example.com.", 60, key.record()).value()).contains("\" \"");
        assertSignsAndVerifies(dir, key, "rsa-sha256");
    }

    @Test
    void rsa3072KeyHasItsSize(@TempDir Path dir) throws Exception {
        DkimKeyPair key = DkimKeyPair.generate(DkimAlgorithm.RSA_SHA256, 3072, RANDOM);
        Path file = write(dir, "example.com", "big", key);
        assertThat(((RSAPrivateKey) DkimKeyDirectory.readPrivateKey(Files.readString(file))).getModulus().bitLength())
                .isEqualTo(3072);
        assertThat(key.matches(DkimAlgorithm.RSA_SHA256, 3072)).isTrue();
        assertThat(key.matches(DkimAlgorithm.RSA_SHA256, 2048)).isFalse();
        assertThat(key.matches(DkimAlgorithm.ED25519_SHA256, 0)).isFalse();
    }

    @Test
    void readingTheKeyBackGivesTheSamePublicKey() {
        for (DkimKeyPair key : List.of(DkimKeyPair.generate(DkimAlgorithm.ED25519_SHA256, 0, RANDOM),
                DkimKeyPair.generate(DkimAlgorithm.RSA_SHA256, 2048, RANDOM))) {
            assertThat(DkimKeyPair.parse(key.privateKeyPem())).isEqualTo(key);
        }
    }

    @Test
    void refusesWhatIsNotAPkcs8Key() {
        assertThatThrownBy(() -> DkimKeyPair.parse("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DkimKeyPair.parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("unreadable PKCS#8 key");
    }

    static Path write(Path dir, String domain, String selector, DkimKeyPair key) throws Exception {
        Path file = dir.resolve(domain).resolve(selector + ".key");
        Files.createDirectories(file.getParent());
        Files.writeString(file, key.privateKeyPem(), StandardCharsets.US_ASCII);
        return file;
    }

    private static void assertSignsAndVerifies(Path dir, DkimKeyPair key, String algorithm) throws Exception {
        write(dir, "example.com", "s1", key);
        DkimKeyDirectory keys = new DkimKeyDirectory(dir);
        List<DkimSigningKey> loaded = keys.forDomain("example.com");
        assertThat(loaded).hasSize(1);
        assertThat(loaded.get(0).selector()).isEqualTo("s1");
        assertThat(loaded.get(0).algorithmName()).isEqualTo(algorithm);

        byte[] message = ("From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        List<String> fields = new DkimSigner(keys, Clock.systemUTC()).sign("example.com", message);
        assertThat(fields).hasSize(1);
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        fields.forEach(f -> signed.writeBytes(f.getBytes(StandardCharsets.US_ASCII)));
        signed.writeBytes(message);

        // the record as a resolver hands it over: the TXT strings joined (RFC 6376 §3.6.2.2)
        Map<String, String> zone = Map.of("s1._domainkey.example.com", key.record());
        DkimKeyLookup dns = name -> CompletableFuture.completedFuture(zone.containsKey(name)
                ? new DkimKeyLookup.Records(List.of(zone.get(name))) : new DkimKeyLookup.NoRecord());
        List<DkimResult> results = new DkimVerifier(dns, Runnable::run, Clock.systemUTC(), DkimVerifier.Limits.DEFAULT)
                .verify(new ByteArrayInputStream(signed.toByteArray())).toCompletableFuture().join();
        assertThat(results).hasSize(1);
        assertThat(results.get(0).passed()).as(results.get(0).toString()).isTrue();
    }
}
