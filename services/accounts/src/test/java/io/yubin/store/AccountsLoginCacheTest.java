package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache of successful password verifications, through {@link Accounts#login} over the embedded backend. */
class AccountsLoginCacheTest {

    private static final String PASSWORD = "a long secret phrase";
    private static final String WRONG = "a wrong secret phrase";
    private static final Duration TTL = Duration.ofMinutes(5);

    /** Counts the Argon2id verifications the cache is there to save. */
    private static final class CountingHasher extends PasswordHasher {
        final AtomicInteger verifications = new AtomicInteger();

        CountingHasher() {
            super(new Parameters(1024, 1, 1));
        }

        @Override
        public boolean verify(String phc, char[] password) {
            verifications.incrementAndGet();
            return super.verify(phc, password);
        }
    }

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final CountingHasher hasher = new CountingHasher();
    private final MailAddress alice = MailAddress.parse("alice@example.test");
    private Storage storage;
    private PasswordVerificationCache cache;
    private Accounts accounts;

    @BeforeEach
    void open() throws Exception {
        storage = EmbeddedStorage.open(dir);
        accounts = accounts(new PasswordVerificationCache.Settings(TTL, 100));
        await(accounts.addDomain(Domain.parse("example.test")));
        await(accounts.addUser(alice, PASSWORD.toCharArray(), QuotaLimits.NONE));
    }

    /** Accounts whose account lockout locks after 3 failures (for a minute) and client throttle after 5. */
    private Accounts accounts(PasswordVerificationCache.Settings settings) {
        cache = new PasswordVerificationCache(settings, clock);
        LoginThrottle.Policy five = new LoginThrottle.Policy(5, Duration.ofMinutes(1), Duration.ofHours(1),
                Duration.ofHours(24));
        AccountLockout lockout = new AccountLockout(storage.accountLocks(),
                new AccountLockout.Policy(3, Duration.ofMinutes(15), Duration.ofMinutes(1)), clock,
                AccountLockout.Listener.NONE);
        return new Accounts(storage.directory(), storage.mailboxes(), hasher, PasswordPolicy.DEFAULT,
                lockout, new LoginThrottle(five, 1000, clock), cache);
    }

    @AfterEach
    void close() throws Exception {
        accounts.close();
        storage.close();
    }

    private static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private Accounts.LoginResult login(String secret) {
        return login(secret, "192.0.2.1");
    }

    private Accounts.LoginResult login(String secret, String client) {
        return await(accounts.login("alice@example.test", secret.toCharArray(), client));
    }

    private int verifications() {
        return hasher.verifications.get();
    }

    @Test
    void aRepeatedLoginWithTheSameSecretSkipsThePasswordHash() {
        assertThat(login(PASSWORD)).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(verifications()).isEqualTo(1);

        assertThat(login(PASSWORD)).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(await(accounts.login("ALICE@Example.Test", PASSWORD.toCharArray(), "198.51.100.7")))
                .isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(await(accounts.authenticate("alice@example.test", PASSWORD.toCharArray()))).contains(alice);
        assertThat(verifications()).isEqualTo(1);
    }

    @Test
    void theVerificationExpiresAfterTheTtl() {
        login(PASSWORD);
        clock.advance(TTL.minusSeconds(1));
        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Success.class);
        assertThat(verifications()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Success.class);
        assertThat(verifications()).isEqualTo(2);
    }

    @Test
    void changingThePasswordDropsTheEntryAndTheOldPasswordFails() {
        login(PASSWORD);
        await(accounts.changePassword(alice, "a brand new phrase".toCharArray()));
        assertThat(cache.size()).isZero();

        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Failure.class);
        assertThat(verifications()).isEqualTo(2);
        assertThat(login("a brand new phrase")).isEqualTo(new Accounts.LoginResult.Success(alice));
    }

    @Test
    void aPasswordChangedInTheDirectoryByAnotherMemberMakesTheEntryMiss() {
        login(PASSWORD);
        // Another cluster member writes the new hash; this process hears nothing of it.
        await(storage.directory().setPasswordHash(alice, hasher.hash("a brand new phrase".toCharArray())));
        assertThat(cache.size()).isEqualTo(1);

        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Failure.class);
        assertThat(verifications()).isEqualTo(2);
        assertThat(login("a brand new phrase")).isEqualTo(new Accounts.LoginResult.Success(alice));
    }

    @Test
    void removingTheUserDropsTheEntry() {
        login(PASSWORD);
        await(accounts.removeUser(alice));
        assertThat(cache.size()).isZero();

        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Failure.class);
    }

    @Test
    void aUserRemovedByAnotherMemberNoLongerLogsInFromTheCache() {
        login(PASSWORD);
        await(storage.directory().removeUser(alice));

        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Failure.class);
    }

    @Test
    void appPasswordsNeverEnterTheCacheSoRevocationTakesEffectAtTheNextLogin() {
        Accounts.NewAppPassword phone = await(accounts.addAppPassword(alice, "phone"));
        assertThat(login(phone.secret())).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(login(phone.secret())).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(cache.size()).isZero();
        assertThat(verifications()).isZero();

        await(accounts.revokeAppPassword(alice, phone.password().id()));

        assertThat(login(phone.secret())).isInstanceOf(Accounts.LoginResult.Failure.class);
    }

    @Test
    void aWrongSecretAfterACachedRightOneFailsHashesAndCountsTowardsTheLock() {
        login(PASSWORD);
        for (int i = 0; i < 2; i++) {
            assertThat(login(WRONG)).isInstanceOf(Accounts.LoginResult.Failure.class);
        }
        assertThat(verifications()).isEqualTo(3);
        assertThat(cache.size()).isEqualTo(1);

        assertThat(login(WRONG)).isInstanceOf(Accounts.LoginResult.Failure.class);

        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Throttled.class);
    }

    @Test
    void theFailureThatLocksTheAccountDropsItsEntries() {
        login(PASSWORD);
        for (int i = 0; i < 3; i++) {
            login(WRONG, "203.0.113." + i);
        }
        assertThat(cache.size()).isZero();
        assertThat(login(PASSWORD)).isInstanceOf(Accounts.LoginResult.Throttled.class);
        int before = verifications();

        clock.advance(Duration.ofMinutes(1));
        assertThat(login(PASSWORD)).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(verifications()).isEqualTo(before + 1);
    }

    @Test
    void aLockedClientIsRefusedEvenWithACachedSecretWithoutHashing() {
        login(PASSWORD);
        for (int i = 0; i < 5; i++) {
            await(accounts.login("user" + i + "@example.test", WRONG.toCharArray(), "203.0.113.9"));
        }
        int before = verifications();
        assertThat(cache.size()).isEqualTo(1);

        assertThat(login(PASSWORD, "203.0.113.9")).isInstanceOf(Accounts.LoginResult.Throttled.class);
        assertThat(verifications()).isEqualTo(before);
        assertThat(login(PASSWORD, "203.0.113.10")).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(verifications()).isEqualTo(before);
    }

    @Test
    void anUnknownUserStillCostsAVerification() {
        assertThat(await(accounts.login("nobody@example.test", PASSWORD.toCharArray(), "192.0.2.1")))
                .isInstanceOf(Accounts.LoginResult.Failure.class);
        assertThat(await(accounts.login("nobody@example.test", PASSWORD.toCharArray(), "192.0.2.1")))
                .isInstanceOf(Accounts.LoginResult.Failure.class);
        assertThat(verifications()).isEqualTo(2);
        assertThat(cache.size()).isZero();
    }

    @Test
    void withTheCacheOffEveryLoginHashes() {
        accounts.close();
        accounts = accounts(PasswordVerificationCache.Settings.DISABLED);

        login(PASSWORD);
        login(PASSWORD);

        assertThat(verifications()).isEqualTo(2);
        assertThat(cache.size()).isZero();
    }
}
