package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DkimKeyDirectoryTest {

    @TempDir
    Path dir;

    @Test
    void readsEveryKeyOfADomainAndTheTypeDecidesTheAlgorithm() throws Exception {
        write("example.com/2025rsa.key", TestKeys.pem(TestKeys.RSA_2048));
        write("example.com/2025ed.key", TestKeys.pem(TestKeys.ED25519));
        write("example.org/other.key", TestKeys.pem(TestKeys.ED25519));

        List<DkimSigningKey> keys = new DkimKeyDirectory(dir).forDomain("EXAMPLE.com");

        assertThat(keys).extracting(DkimSigningKey::selector, DkimSigningKey::algorithmName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("2025ed", "ed25519-sha256"),
                        org.assertj.core.groups.Tuple.tuple("2025rsa", "rsa-sha256"));
    }

    @Test
    void skipsFilesThatAreNotUsableKeys() throws Exception {
        write("example.com/good.key", TestKeys.pem(TestKeys.ED25519));
        write("example.com/garbage.key", "not a key");
        write("example.com/weak.key", TestKeys.pem(TestKeys.rsa(512)));
        write("example.com/bad selector.key", TestKeys.pem(TestKeys.ED25519));
        write("example.com/.hidden.key", TestKeys.pem(TestKeys.ED25519));
        write("example.com/notes.txt", "keys live here");

        assertThat(new DkimKeyDirectory(dir).forDomain("example.com")).extracting(DkimSigningKey::selector)
                .containsExactly("good");
    }

    @Test
    void aDomainWithoutDirectoryOrAnInvalidNameHasNoKeys() {
        DkimKeyDirectory keys = new DkimKeyDirectory(dir);

        assertThat(keys.forDomain("example.com")).isEmpty();
        assertThat(keys.forDomain("../etc")).isEmpty();
    }

    @Test
    void seesChangedAddedAndRemovedFilesAfterTheRecheckInterval() throws Exception {
        MutableClock clock = new MutableClock();
        DkimKeyDirectory keys = new DkimKeyDirectory(dir, clock, Duration.ofSeconds(5));
        Path file = write("example.com/sel.key", TestKeys.pem(TestKeys.RSA_2048));
        assertThat(keys.forDomain("example.com")).extracting(DkimSigningKey::algorithmName)
                .containsExactly("rsa-sha256");

        Files.writeString(file, TestKeys.pem(TestKeys.ED25519));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        write("example.com/new.key", TestKeys.pem(TestKeys.ED25519));
        assertThat(keys.forDomain("example.com")).as("within the interval").extracting(DkimSigningKey::selector)
                .containsExactly("sel");

        clock.advance(Duration.ofSeconds(6));
        assertThat(keys.forDomain("example.com")).extracting(DkimSigningKey::selector, DkimSigningKey::algorithmName)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("new", "ed25519-sha256"),
                        org.assertj.core.groups.Tuple.tuple("sel", "ed25519-sha256"));

        Files.delete(file);
        clock.advance(Duration.ofSeconds(6));
        assertThat(keys.forDomain("example.com")).extracting(DkimSigningKey::selector).containsExactly("new");
    }

    @Test
    void followsAKubernetesSecretUpdateThatSwapsTheDataSymlink() throws Exception {
        // A Secret volume: <dir>/..data -> ..2025_01, <dir>/example.com -> ..data/example.com
        write("..2025_01/example.com/sel.key", TestKeys.pem(TestKeys.RSA_2048));
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..2025_01"));
        Files.createSymbolicLink(dir.resolve("example.com"), Path.of("..data/example.com"));
        DkimKeyDirectory keys = new DkimKeyDirectory(dir, Clock.systemUTC(), Duration.ZERO);
        assertThat(keys.forDomain("example.com")).extracting(DkimSigningKey::algorithmName)
                .containsExactly("rsa-sha256");

        write("..2025_02/example.com/sel.key", TestKeys.pem(TestKeys.ED25519));
        Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..2025_02"));
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

        assertThat(keys.forDomain("example.com")).extracting(DkimSigningKey::algorithmName)
                .containsExactly("ed25519-sha256");
    }

    @Test
    void explainsWhyAPkcs1KeyIsRefused() {
        assertThatThrownBy(() -> DkimKeyDirectory.readPrivateKey("-----BEGIN RSA PRIVATE KEY-----\nMIIB\n"
                + "-----END RSA PRIVATE KEY-----\n")).isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void signsWithTheKeysOfTheDirectory() throws Exception {
        write("example.com/rsa.key", TestKeys.pem(TestKeys.RSA_2048));
        write("example.com/ed.key", TestKeys.pem(TestKeys.ED25519));
        DkimSigner signer = new DkimSigner(new DkimKeyDirectory(dir), DkimVerifierTest.CLOCK);
        String message = DkimVerifierTest.MESSAGE;

        String signed = String.join("", signer.sign("example.com", DkimSignerTest.bytes(message))) + message;

        assertThat(DkimVerifierTest.verify(new TestKeys.MapLookup()
                .put("rsa._domainkey.example.com", TestKeys.record(TestKeys.RSA_2048))
                .put("ed._domainkey.example.com", TestKeys.record(TestKeys.ED25519)), signed))
                .extracting(DkimResult::status).containsExactly(DkimStatus.PASS, DkimStatus.PASS);
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
