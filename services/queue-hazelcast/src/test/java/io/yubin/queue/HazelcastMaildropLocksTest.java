package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.yubin.model.MailAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two real members in one JVM, joined over TCP on loopback, share the locks. */
class HazelcastMaildropLocksTest {

    private static HazelcastInstance first;
    private static HazelcastInstance second;

    @BeforeAll
    static void startTwoMembers() throws Exception {
        first = Hazelcast.newHazelcastInstance(joined("a"));
        second = Hazelcast.newHazelcastInstance(joined("b"));
        eventually(() -> first.getCluster().getMembers().size() == 2);
    }

    @AfterAll
    static void stopMembers() {
        for (HazelcastInstance member : new HazelcastInstance[] {second, first}) {
            if (member != null && member.getLifecycleService().isRunning()) {
                member.shutdown();
            }
        }
    }

    /** The embedded configuration plus a TCP-IP join of loopback members, for this test only. */
    private static Config joined(String name) {
        Config config = ClusterMember.embeddedConfig(ClusterMember.Options.embedded("maildrop-locks-test", 0));
        config.setInstanceName("maildrop-locks-test-" + name);
        config.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
        return config;
    }

    private static Optional<AutoCloseable> tryLock(HazelcastMaildropLocks locks, String user) throws Exception {
        return locks.tryLock(MailAddress.parse(user)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSecondSessionOnAnyMemberIsRefusedUntilTheFirstReleases() throws Exception {
        try (HazelcastMaildropLocks onFirst = new HazelcastMaildropLocks(first);
                HazelcastMaildropLocks onSecond = new HazelcastMaildropLocks(second)) {
            Optional<AutoCloseable> held = tryLock(onFirst, "alice@example.test");
            assertThat(held).isPresent();
            assertThat(tryLock(onSecond, "alice@example.test")).isEmpty();
            assertThat(tryLock(onFirst, "alice@example.test")).isEmpty();

            held.get().close();
            held.get().close();
            eventually(() -> {
                Optional<AutoCloseable> again = tryLock(onSecond, "alice@example.test");
                again.ifPresent(HazelcastMaildropLocksTest::closeQuietly);
                return again.isPresent();
            });
        }
    }

    @Test
    void usersAreLockedIndependentlyAndByCanonicalAddress() throws Exception {
        try (HazelcastMaildropLocks locks = new HazelcastMaildropLocks(first)) {
            Optional<AutoCloseable> bob = tryLock(locks, "bob@example.test");
            Optional<AutoCloseable> carol = tryLock(locks, "carol@example.test");
            assertThat(bob).isPresent();
            assertThat(carol).isPresent();
            assertThat(tryLock(locks, "bob@EXAMPLE.test")).isEmpty();
            bob.get().close();
            carol.get().close();
        }
    }

    @Test
    void aLiveHolderKeepsItsLockPastTheLease() throws Exception {
        try (HazelcastMaildropLocks onFirst = new HazelcastMaildropLocks(first, Duration.ofSeconds(2));
                HazelcastMaildropLocks onSecond = new HazelcastMaildropLocks(second, Duration.ofSeconds(2))) {
            Optional<AutoCloseable> held = tryLock(onFirst, "dave@example.test");
            assertThat(held).isPresent();
            // Wait for the event that matters: the lease's expiry has been pushed past two whole leases
            // from now, which only renewals can do; the lock is still held, and still refused to others.
            IMap<String, String> entries = second.getMap(HazelcastMaildropLocks.MAP_NAME);
            long firstExpiry = entries.getEntryView("dave@example.test").getExpirationTime();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> entries.getEntryView("dave@example.test").getExpirationTime() >= firstExpiry + 4000);
            assertThat(tryLock(onSecond, "dave@example.test")).isEmpty();
            held.get().close();
        }
    }

    @Test
    void aDeadHoldersLockExpiresAfterTheLease() throws Exception {
        HazelcastMaildropLocks dying = new HazelcastMaildropLocks(first, Duration.ofSeconds(2));
        try (HazelcastMaildropLocks survivor = new HazelcastMaildropLocks(second, Duration.ofSeconds(2))) {
            assertThat(tryLock(dying, "erin@example.test")).isPresent();
            // The holder's process stops renewing without releasing, as when its pod is killed.
            dying.close();
            assertThat(tryLock(survivor, "erin@example.test")).isEmpty();
            eventually(() -> {
                Optional<AutoCloseable> taken = tryLock(survivor, "erin@example.test");
                taken.ifPresent(HazelcastMaildropLocksTest::closeQuietly);
                return taken.isPresent();
            });
        }
    }

    /**
     * POP3 [IN-USE] across members when one dies (RFC 2449 §8.1.1): the holder's member is terminated
     * (no graceful leave, as under SIGKILL) and it also owned the lock entry's partition. The backup
     * on a survivor still refuses a second session, and the lock is free once the lease runs out.
     */
    @Test
    void aLockHeldOnAMemberThatDiesIsKeptByTheSurvivorsThenExpires() throws Exception {
        HazelcastInstance third = Hazelcast.newHazelcastInstance(joined("c"));
        try {
            eventually(() -> first.getCluster().getMembers().size() == 3 && third.getPartitionService().isClusterSafe());
            String user = null;
            for (int i = 0; user == null && i < 1000; i++) {
                String candidate = "grace" + i + "@example.test";
                if (third.getPartitionService().getPartition(candidate).getOwner().localMember()) {
                    user = candidate;
                }
            }
            assertThat(user).as("a user whose lock entry lives on the member that dies").isNotNull();
            HazelcastMaildropLocks dying = new HazelcastMaildropLocks(third, Duration.ofSeconds(15));
            try (HazelcastMaildropLocks survivor = new HazelcastMaildropLocks(second, Duration.ofSeconds(15))) {
                assertThat(tryLock(dying, user)).isPresent();
                assertThat(tryLock(survivor, user)).isEmpty();

                third.getLifecycleService().terminate();
                dying.close();
                eventually(() -> first.getCluster().getMembers().size() == 2);
                assertThat(tryLock(survivor, user)).as("still held: the entry's backup took over").isEmpty();

                String taken = user;
                eventually(() -> {
                    Optional<AutoCloseable> lock = tryLock(survivor, taken);
                    lock.ifPresent(HazelcastMaildropLocksTest::closeQuietly);
                    return lock.isPresent();
                });
            }
        } finally {
            if (third.getLifecycleService().isRunning()) {
                third.getLifecycleService().terminate();
            }
        }
    }

    @Test
    void leasesAreWholeSecondsOfAtLeastTwo() {
        assertThatThrownBy(() -> new HazelcastMaildropLocks(first, Duration.ofMillis(1500)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HazelcastMaildropLocks(first, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anExpiredHolderCannotReleaseTheNextHoldersLock() throws Exception {
        HazelcastMaildropLocks stale = new HazelcastMaildropLocks(first, Duration.ofSeconds(2));
        try (HazelcastMaildropLocks fresh = new HazelcastMaildropLocks(second, Duration.ofSeconds(2))) {
            Optional<AutoCloseable> old = tryLock(stale, "frank@example.test");
            assertThat(old).isPresent();
            stale.close();
            AtomicReference<Optional<AutoCloseable>> next = new AtomicReference<>();
            eventually(() -> {
                next.set(tryLock(fresh, "frank@example.test"));
                return next.get().isPresent();
            });
            old.get().close();
            // close() sends its release without waiting for it. A read of the key from the same member
            // afterwards is processed after it (one partition thread, one connection, in order), so
            // the read proves the release has been processed before the negative check.
            String holder = first.<String, String>getMap(HazelcastMaildropLocks.MAP_NAME).get("frank@example.test");
            assertThat(holder).as("the fresh holder's token is still there").isNotNull();
            assertThat(tryLock(fresh, "frank@example.test")).isEmpty();
            next.get().get().close();
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Polls every 100 ms for up to 30 s. */
    private static void eventually(Check check) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(check::holds);
    }

    private static void closeQuietly(AutoCloseable lock) {
        try {
            lock.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
