package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.AccountLocks;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

/** The {@link AccountLocks} contract (docs/operations.md, "Account lockout"). */
public abstract class AccountLocksContract extends StorageContractSupport {

    private static final Duration WINDOW = Duration.ofMinutes(15);
    /** Near the real time, so that backends expiring rows by TTL keep them during the test. */
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    private AccountLocks locks() {
        return storage.accountLocks();
    }

    @Test
    void failuresAreCountedPerAccountWithinTheWindow() {
        String alice = ALICE.canonical();
        assertThat(await(locks().recordFailure(alice, now.minus(Duration.ofMinutes(40)), WINDOW))).isEqualTo(1);
        assertThat(await(locks().recordFailure(alice, now.minus(Duration.ofMinutes(10)), WINDOW)))
                .as("the first is older than the window").isEqualTo(1);
        assertThat(await(locks().recordFailure(alice, now, WINDOW))).isEqualTo(2);
        assertThat(await(locks().recordFailure(alice, now, WINDOW))).as("two at one instant both count").isEqualTo(3);
        assertThat(await(locks().recordFailure(BOB.canonical(), now, WINDOW))).isEqualTo(1);
        assertThat(await(locks().recordFailure(alice, now.plus(Duration.ofMinutes(6)), WINDOW)))
                .as("the one ten minutes before drops out").isEqualTo(3);
    }

    @Test
    void aLockIsFoundUntilItEndsAndSurvivesAReopen() throws Exception {
        AccountLocks.Lock lock = new AccountLocks.Lock(ALICE.canonical(), now.plus(Duration.ofMinutes(15)), now,
                "192.0.2.7");
        assertThat(await(locks().find(ALICE.canonical(), now))).isEmpty();
        await(locks().lock(lock));

        reopen();
        assertThat(await(storage.accountLocks().find(ALICE.canonical(), now))).contains(lock);
        assertThat(await(storage.accountLocks().find(BOB.canonical(), now))).isEmpty();
        assertThat(await(storage.accountLocks().find(ALICE.canonical(), lock.until()))).as("ended").isEmpty();
        assertThat(await(storage.accountLocks().locks(now))).containsExactly(lock);
        assertThat(await(storage.accountLocks().locks(lock.until()))).isEmpty();
    }

    @Test
    void aNewLockReplacesTheOldAndLocksAreListedByAccount() {
        await(locks().lock(new AccountLocks.Lock(BOB.canonical(), now.plusSeconds(60), now, "192.0.2.1")));
        await(locks().lock(new AccountLocks.Lock(ALICE.canonical(), now.plusSeconds(60), now, "192.0.2.1")));
        AccountLocks.Lock longer = new AccountLocks.Lock(ALICE.canonical(), now.plusSeconds(600), now.plusSeconds(1),
                "2001:db8::1");
        await(locks().lock(longer));

        assertThat(await(locks().locks(now))).extracting(AccountLocks.Lock::account)
                .containsExactly(ALICE.canonical(), BOB.canonical());
        assertThat(await(locks().find(ALICE.canonical(), now))).contains(longer);
    }

    @Test
    void clearingUnlocksAndForgetsTheFailuresOfThatAccountOnly() {
        String alice = ALICE.canonical();
        await(locks().recordFailure(alice, now, WINDOW));
        await(locks().recordFailure(alice, now, WINDOW));
        await(locks().recordFailure(BOB.canonical(), now, WINDOW));
        AccountLocks.Lock lock = new AccountLocks.Lock(alice, now.plusSeconds(900), now, "192.0.2.7");
        await(locks().lock(lock));
        await(locks().lock(new AccountLocks.Lock(BOB.canonical(), now.plusSeconds(900), now, "192.0.2.7")));

        assertThat(await(locks().clear(alice, now))).contains(lock);

        assertThat(await(locks().find(alice, now))).isEmpty();
        assertThat(await(locks().clear(alice, now))).as("nothing left to clear").isEmpty();
        assertThat(await(locks().recordFailure(alice, now, WINDOW))).as("the failures went too").isEqualTo(1);
        assertThat(await(locks().find(BOB.canonical(), now))).isPresent();
        assertThat(await(locks().recordFailure(BOB.canonical(), now, WINDOW))).isEqualTo(2);
    }

    @Test
    void clearingAnEndedLockReportsNothing() {
        await(locks().lock(new AccountLocks.Lock(ALICE.canonical(), now.plusSeconds(5), now, "192.0.2.7")));
        assertThat(await(locks().clear(ALICE.canonical(), now.plusSeconds(5)))).isEmpty();
        assertThat(await(locks().find(ALICE.canonical(), now))).isEmpty();
    }
}
