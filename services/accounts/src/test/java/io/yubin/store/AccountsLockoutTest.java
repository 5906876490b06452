package io.yubin.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The account lockout through {@link Accounts#login} over the embedded backend with a clock moved by
 * hand: 3 failures within 15 minutes lock for 10 minutes; 5 failures from one client address lock that
 * address. Two Accounts over one store stand for two cluster members.
 */
class AccountsLockoutTest {

    private static final String PASSWORD = "a long secret phrase";
    private static final AccountLockout.Policy POLICY = new AccountLockout.Policy(3, Duration.ofMinutes(15),
            Duration.ofMinutes(10));

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final MailAddress alice = MailAddress.parse("alice@example.test");
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final AccountLockout.Listener listener = new AccountLockout.Listener() {
        @Override
        public void locked(AccountLocks.Lock lock) {
            events.add("locked " + lock.account() + " until " + lock.until() + " from " + lock.client());
        }

        @Override
        public void unlocked(AccountLocks.Lock lock) {
            events.add("unlocked " + lock.account());
        }
    };
    private Storage storage;
    private Accounts member1;
    private Accounts member2;

    @BeforeEach
    void open() {
        storage = EmbeddedStorage.open(dir);
        member1 = member();
        member2 = member();
        await(member1.addDomain(Domain.parse("example.test")));
        await(member1.addUser(alice, PASSWORD.toCharArray(), QuotaLimits.NONE));
    }

    private Accounts member() {
        LoginThrottle.Policy five = new LoginThrottle.Policy(5, Duration.ofMinutes(1), Duration.ofHours(1),
                Duration.ofHours(24));
        return new Accounts(storage.directory(), storage.mailboxes(),
                new PasswordHasher(new PasswordHasher.Parameters(1024, 1, 1)), PasswordPolicy.DEFAULT,
                new AccountLockout(storage.accountLocks(), POLICY, clock, listener),
                new LoginThrottle(five, 1000, clock));
    }

    @AfterEach
    void close() throws Exception {
        member1.close();
        member2.close();
        storage.close();
    }

    private static <T> T await(CompletionStage<T> stage) {
        return stage.toCompletableFuture().join();
    }

    private Accounts.LoginResult login(Accounts member, String secret, String client) {
        return await(member.login("alice@example.test", secret.toCharArray(), client));
    }

    @Test
    void failuresWithinTheWindowLockTheAccountEvenForTheRightPasswordUntilTheLockEnds() {
        for (int i = 0; i < 3; i++) {
            assertThat(login(member1, "wrong guess " + i, "192.0.2." + i)).isInstanceOf(Accounts.LoginResult.Failure.class);
            clock.advance(Duration.ofMinutes(1));
        }
        java.time.Instant until = clock.instant().minus(Duration.ofMinutes(1)).plus(POLICY.duration());
        assertThat(login(member1, PASSWORD, "198.51.100.7")).isEqualTo(new Accounts.LoginResult.Throttled(until));
        assertThat(events).containsExactly("locked alice@example.test until " + until + " from 192.0.2.2");

        clock.advance(Duration.ofMinutes(8));
        assertThat(login(member1, PASSWORD, "198.51.100.7")).isInstanceOf(Accounts.LoginResult.Throttled.class);
        clock.advance(Duration.ofMinutes(1));
        assertThat(login(member1, PASSWORD, "198.51.100.7")).isEqualTo(new Accounts.LoginResult.Success(alice));
    }

    @Test
    void failuresSpreadOverMoreThanTheWindowDoNotLock() {
        for (int i = 0; i < 6; i++) {
            assertThat(login(member1, "wrong guess " + i, "192.0.2.1")).isInstanceOf(Accounts.LoginResult.Failure.class);
            clock.advance(Duration.ofMinutes(8));
        }
        assertThat(login(member1, PASSWORD, "192.0.2.1")).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(events).isEmpty();
    }

    @Test
    void aLockSetOnOneMemberIsHonouredOnAnotherWithinTheCacheTime() {
        assertThat(login(member2, PASSWORD, "198.51.100.7")).as("member 2 read 'not locked'")
                .isInstanceOf(Accounts.LoginResult.Success.class);
        for (int i = 0; i < 3; i++) {
            login(member1, "wrong guess " + i, "192.0.2.1");
        }
        clock.advance(AccountLockout.CACHE_TIME);
        assertThat(login(member2, PASSWORD, "198.51.100.7")).isInstanceOf(Accounts.LoginResult.Throttled.class);
        assertThat(await(member2.lockout().locks())).extracting(AccountLocks.Lock::account)
                .containsExactly("alice@example.test");
    }

    @Test
    void failuresCountAcrossMembers() {
        login(member1, "wrong guess 1", "192.0.2.1");
        login(member2, "wrong guess 2", "192.0.2.2");
        login(member1, "wrong guess 3", "192.0.2.3");
        clock.advance(AccountLockout.CACHE_TIME);
        assertThat(login(member2, PASSWORD, "198.51.100.7")).isInstanceOf(Accounts.LoginResult.Throttled.class);
    }

    @Test
    void unlockingLiftsTheLockOnEveryMemberAndForgetsTheFailures() {
        for (int i = 0; i < 3; i++) {
            login(member1, "wrong guess " + i, "192.0.2.1");
        }
        assertThat(login(member2, PASSWORD, "198.51.100.7")).isInstanceOf(Accounts.LoginResult.Throttled.class);

        assertThat(await(member1.unlock(MailAddress.parse("Alice@Example.Test")))).isPresent();
        assertThat(events).last().isEqualTo("unlocked alice@example.test");
        clock.advance(AccountLockout.CACHE_TIME);

        assertThat(login(member2, PASSWORD, "198.51.100.7")).isEqualTo(new Accounts.LoginResult.Success(alice));
        login(member1, "wrong guess again", "192.0.2.1");
        login(member1, "wrong guess again", "192.0.2.1");
        assertThat(login(member1, PASSWORD, "198.51.100.7")).as("two failures since the unlock")
                .isInstanceOf(Accounts.LoginResult.Success.class);
        assertThat(await(member1.unlock(alice))).as("nothing to unlock").isEmpty();
        assertThat(events).filteredOn(e -> e.startsWith("unlocked")).hasSize(1);
    }

    @Test
    void oneClientAddressGuessingManyAccountsIsThrottledInMemoryAndOtherAddressesAreNot() {
        for (int i = 0; i < 5; i++) {
            assertThat(await(member1.login("user" + i + "@example.test", "guess".toCharArray(), "203.0.113.9")))
                    .isInstanceOf(Accounts.LoginResult.Failure.class);
        }
        assertThat(login(member1, PASSWORD, "203.0.113.9")).isInstanceOf(Accounts.LoginResult.Throttled.class);
        assertThat(login(member1, PASSWORD, "203.0.113.10")).isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(login(member2, PASSWORD, "203.0.113.9")).as("the client throttle is per process")
                .isEqualTo(new Accounts.LoginResult.Success(alice));
        assertThat(events).as("no account was locked").isEmpty();
    }

    @Test
    void loginsThatAreNotAddressesLockNothing() {
        for (int i = 0; i < 4; i++) {
            assertThat(await(member1.login("not an address", "guess".toCharArray(), "192.0.2." + i)))
                    .isInstanceOf(Accounts.LoginResult.Failure.class);
        }
        assertThat(await(member1.lockout().locks())).isEmpty();
    }
}
