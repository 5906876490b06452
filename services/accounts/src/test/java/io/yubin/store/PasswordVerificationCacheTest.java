package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.MailAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PasswordVerificationCacheTest {

    private static final String HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA";
    private static final String OTHER_HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdDI$aGFzaDI";

    private final ManualClock clock = new ManualClock();
    private final MailAddress alice = MailAddress.parse("alice@example.test");
    private final MailAddress bob = MailAddress.parse("bob@example.test");
    private final PasswordVerificationCache cache = new PasswordVerificationCache(
            new PasswordVerificationCache.Settings(Duration.ofMinutes(5), 100), clock);

    private PasswordVerificationCache.Key key(PasswordVerificationCache c, MailAddress user, String secret) {
        return c.key(user, secret.toCharArray()).orElseThrow();
    }

    @Test
    void rememberedVerificationHitsUntilTheTtlEndsThenIsDropped() {
        cache.remember(key(cache, alice, "a long secret phrase"), HASH);
        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(cache.verified(key(cache, alice, "a long secret phrase"), HASH)).isTrue();

        clock.advance(Duration.ofSeconds(1));
        assertThat(cache.verified(key(cache, alice, "a long secret phrase"), HASH)).isFalse();
        assertThat(cache.size()).isZero();
    }

    @Test
    void aHitDoesNotExtendTheLifetime() {
        cache.remember(key(cache, alice, "a long secret phrase"), HASH);
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofMinutes(1));
            assertThat(cache.verified(key(cache, alice, "a long secret phrase"), HASH)).isTrue();
        }
        clock.advance(Duration.ofMinutes(1));
        assertThat(cache.verified(key(cache, alice, "a long secret phrase"), HASH)).isFalse();
    }

    @Test
    void anEntryVerifiedAgainstAnotherPasswordHashMissesAndIsDropped() {
        cache.remember(key(cache, alice, "a long secret phrase"), HASH);
        assertThat(cache.verified(key(cache, alice, "a long secret phrase"), OTHER_HASH)).isFalse();
        assertThat(cache.size()).isZero();
        assertThat(cache.verified(key(cache, alice, "a long secret phrase"), HASH)).isFalse();
    }

    @Test
    void anotherSecretOrAnotherUserMisses() {
        cache.remember(key(cache, alice, "a long secret phrase"), HASH);
        assertThat(cache.verified(key(cache, alice, "a long secret phrasE"), HASH)).isFalse();
        assertThat(cache.verified(key(cache, bob, "a long secret phrase"), HASH)).isFalse();
        assertThat(cache.verified(key(cache, MailAddress.parse("ALICE@Example.Test"), "a long secret phrase"), HASH))
                .isTrue();
    }

    @Test
    void theKeyIsAKeyedHashNeitherTheSecretNorAPlainHashOfIt() throws Exception {
        String secret = "a long secret phrase";
        PasswordVerificationCache.Key key = key(cache, alice, secret);
        cache.remember(key, HASH);

        assertThat(cache.keys()).containsExactly(key);
        assertThat(key.user()).isEqualTo("alice@example.test");
        assertThat(key.secretMac()).matches("[0-9a-f]{64}").doesNotContain(secret);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        assertThat(key.secretMac())
                .isNotEqualTo(HexFormat.of().formatHex(sha256.digest(secret.getBytes(StandardCharsets.UTF_8))))
                .isNotEqualTo(HexFormat.of().formatHex(
                        sha256.digest(("alice@example.test\0" + secret).getBytes(StandardCharsets.UTF_8))));
        // The same secret gives the same key here, and another one in another process (another HMAC key).
        assertThat(key(cache, alice, secret)).isEqualTo(key);
        PasswordVerificationCache other = new PasswordVerificationCache(PasswordVerificationCache.Settings.DEFAULT);
        assertThat(key(other, alice, secret).secretMac()).isNotEqualTo(key.secretMac());
        // Two users with the same password do not share a MAC either.
        assertThat(key(cache, bob, secret).secretMac()).isNotEqualTo(key.secretMac());
    }

    @Test
    void makingAKeyLeavesTheCallersSecretAlone() {
        char[] secret = "a long secret phrase".toCharArray();
        cache.key(alice, secret);
        assertThat(new String(secret)).isEqualTo("a long secret phrase");
    }

    @Test
    void beyondMaxEntriesTheLeastRecentlyUsedIsEvicted() {
        PasswordVerificationCache small = new PasswordVerificationCache(
                new PasswordVerificationCache.Settings(Duration.ofMinutes(5), 2), clock);
        PasswordVerificationCache.Key a = key(small, alice, "secret a");
        PasswordVerificationCache.Key b = key(small, bob, "secret b");
        PasswordVerificationCache.Key c = key(small, MailAddress.parse("carol@example.test"), "secret c");
        small.remember(a, HASH);
        small.remember(b, HASH);
        assertThat(small.verified(a, HASH)).isTrue();

        small.remember(c, HASH);

        assertThat(small.size()).isEqualTo(2);
        assertThat(small.verified(b, HASH)).isFalse();
        assertThat(small.verified(a, HASH)).isTrue();
        assertThat(small.verified(c, HASH)).isTrue();
    }

    @Test
    void forgetDropsEveryEntryOfThatUserOnly() {
        cache.remember(key(cache, alice, "first secret"), HASH);
        cache.remember(key(cache, alice, "second secret"), HASH);
        cache.remember(key(cache, bob, "first secret"), HASH);

        cache.forget(MailAddress.parse("Alice@EXAMPLE.test"));

        assertThat(cache.keys()).extracting(PasswordVerificationCache.Key::user).containsExactly("bob@example.test");
    }

    @Test
    void zeroTtlTurnsTheCacheOff() {
        PasswordVerificationCache off = new PasswordVerificationCache(PasswordVerificationCache.Settings.DISABLED);
        assertThat(PasswordVerificationCache.Settings.DISABLED.enabled()).isFalse();
        assertThat(off.key(alice, "a long secret phrase".toCharArray())).isEmpty();
    }

    @Test
    void settingsRefuseANegativeTtlAndNoEntries() {
        assertThatThrownBy(() -> new PasswordVerificationCache.Settings(Duration.ofSeconds(-1), 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PasswordVerificationCache.Settings(Duration.ofMinutes(5), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
