package io.yubin.delivery;

import static io.yubin.delivery.DeliveryFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.yubin.model.MailAddress;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.DeliveryCoordination;
import io.yubin.queue.HazelcastDeliveryQueue;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SpoolSweep} over real embedded storage, a real Hazelcast queue and real leases: the one
 * mechanism that re-offers deferred, lapsed and lost entries (issue 16 item 3).
 */
class SpoolSweepTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static ClusterMember member;

    @TempDir
    Path dataDir;

    private DeliveryFixture f;

    @BeforeAll
    static void startMember() {
        member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("spool-sweep-test", 0));
    }

    @AfterAll
    static void stopMember() {
        member.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture(dataDir, member);
        f.domain("example.test");
        f.user("alice@example.test");
    }

    @AfterEach
    void tearDown() throws Exception {
        f.close();
    }

    private SpoolSweep sweep(Duration interval) {
        return sweep(SpoolSweep.Options.every(interval), f.coordination);
    }

    private SpoolSweep sweep(SpoolSweep.Options options, DeliveryCoordination coordination) {
        return new SpoolSweep(f.storage.spool(), f.queue, coordination, Clock.systemUTC(), options);
    }

    private static Instant minuteAgo() {
        return Instant.now().minusSeconds(60);
    }

    private Set<SpoolId> drainQueue() throws InterruptedException {
        Set<SpoolId> ids = new HashSet<>();
        for (SpoolId id = f.queue.take(Duration.ofMillis(200)); id != null; id = f.queue.take(Duration.ofMillis(200))) {
            ids.add(id);
        }
        return ids;
    }

    @Test
    void afterARestartOffersQueuedAndDueEntriesAndLeavesTheRest() throws Exception {
        SpoolId queued = f.acceptAt(minuteAgo(), null, "alice@example.test");
        SpoolId due = f.acceptAt(minuteAgo(), "alice@example.test", "friend@remote.test");
        SpoolId later = f.acceptAt(minuteAgo(), "alice@example.test", "other@remote.test");
        SpoolId delivered = f.acceptAt(minuteAgo(), null, "alice@example.test");
        MailAddress friend = MailAddress.parse("friend@remote.test");
        MailAddress other = MailAddress.parse("other@remote.test");
        await(f.storage.spool().update(due, friend, new RecipientState(friend, DeliveryStatus.DEFERRED, 1,
                Instant.now().minusSeconds(60), LocalDelivery.REMOTE_NOT_YET)));
        await(f.storage.spool().update(later, other, new RecipientState(other, DeliveryStatus.DEFERRED, 1,
                Instant.now().plus(Duration.ofHours(1)), LocalDelivery.REMOTE_NOT_YET)));
        await(f.delivery().deliver(delivered));
        f.closeStorage();
        f.openStorage();

        SpoolSweep.Summary summary = sweep(Duration.ofSeconds(10)).sweepOnce();

        assertThat(summary).isEqualTo(new SpoolSweep.Summary(2, 0, 0, 1));
        assertThat(drainQueue()).containsExactlyInAnyOrder(queued, due);
    }

    @Test
    void leavesEntriesThatAreQueuedOrLeasedAlone() throws Exception {
        SpoolId waiting = f.acceptAt(minuteAgo(), null, "alice@example.test");
        SpoolId leased = f.acceptAt(minuteAgo(), null, "alice@example.test");
        await(f.queue.offer(waiting));
        assertThat(f.coordination.acquire(leased, Duration.ofMinutes(1))).isTrue();

        SpoolSweep.Summary summary = sweep(Duration.ofSeconds(10)).sweepOnce();

        assertThat(summary).isEqualTo(new SpoolSweep.Summary(0, 1, 1, 0));
        assertThat(f.queue.size()).isEqualTo(1);
    }

    @Test
    void anEntryAcceptedWhileTheSweepRunsIsLeftToTheMemberThatAcceptedItForTheGrace() throws Exception {
        SpoolSweep sweep = sweep(new SpoolSweep.Options(Duration.ofSeconds(10), Duration.ofHours(1), 500),
                f.coordination);
        SpoolId fresh = f.acceptAt(Instant.now().plusMillis(1), null, "alice@example.test");

        SpoolSweep.Summary summary = sweep.sweepOnce();

        assertThat(summary).isEqualTo(new SpoolSweep.Summary(0, 0, 0, 1));
        assertThat(f.entry(fresh)).isPresent();
        assertThat(f.queue.size()).isZero();
    }

    /**
     * The sweeper is the oldest member: an entry received before it started was accepted by a
     * member that is gone (here: before a restart), which will never offer it. It goes at once.
     */
    @Test
    void anEntryReceivedBeforeTheSweepStartedIsOfferedWithoutWaitingForTheGrace() throws Exception {
        SpoolId beforeRestart = f.acceptAt(Instant.now().minusMillis(1), null, "alice@example.test");

        SpoolSweep.Summary summary = sweep(new SpoolSweep.Options(Duration.ofSeconds(10), Duration.ofHours(1), 500),
                f.coordination).sweepOnce();

        assertThat(summary).isEqualTo(new SpoolSweep.Summary(1, 0, 0, 0));
        assertThat(drainQueue()).containsExactly(beforeRestart);
    }

    @Test
    void pagesThroughEveryUnfinishedEntry() throws Exception {
        List<SpoolId> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(f.acceptAt(minuteAgo(), null, "alice@example.test"));
        }

        SpoolSweep.Summary summary = sweep(new SpoolSweep.Options(Duration.ofSeconds(10), Duration.ZERO, 3),
                f.coordination).sweepOnce();

        assertThat(summary.offered()).isEqualTo(7);
        assertThat(drainQueue()).containsExactlyInAnyOrderElementsOf(ids);
    }

    /**
     * A recipient deferred by an earlier run (another process: the storage is reopened) is retried
     * once its time comes, by the sweep alone: no timer anywhere knows of it.
     */
    @Test
    void aDeferredEntryIsRetriedByTheSweepWhenItIsDue() throws Exception {
        SpoolId id = f.acceptAt(minuteAgo(), null, "alice@example.test");
        Instant nextAttempt = Instant.now().plusSeconds(2);
        await(f.storage.spool().update(id, ALICE, new RecipientState(ALICE, DeliveryStatus.DEFERRED, 1, nextAttempt,
                "451 4.3.0 try again later")));
        f.closeStorage();
        f.openStorage();

        try (DeliveryWorkers workers = DeliveryWorkers.start(f.queue, f.delivery(), f.coordination,
                new SimpleMeterRegistry(), DeliveryWorkers.Options.of(2));
                SpoolSweep sweep = sweep(Duration.ofMillis(200)).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> f.entry(id).isEmpty());
        }

        assertThat(Instant.now()).isAfterOrEqualTo(nextAttempt);
        assertThat(f.inbox("alice@example.test")).hasSize(1);
    }

    @Test
    void aMemberThatIsNotTheSweeperOffersNothing() throws Exception {
        f.acceptAt(minuteAgo(), null, "alice@example.test");
        AtomicInteger asked = new AtomicInteger();
        DeliveryCoordination notSweeper = new DeliveryCoordination() {
            @Override
            public boolean acquire(SpoolId id, Duration ttl) {
                return f.coordination.acquire(id, ttl);
            }

            @Override
            public boolean renew(SpoolId id, Duration ttl) {
                return f.coordination.renew(id, ttl);
            }

            @Override
            public void release(SpoolId id) {
                f.coordination.release(id);
            }

            @Override
            public Set<SpoolId> leased(Collection<SpoolId> ids) {
                return f.coordination.leased(ids);
            }

            @Override
            public boolean sweeper() {
                asked.incrementAndGet();
                return false;
            }
        };

        try (SpoolSweep sweep = sweep(SpoolSweep.Options.every(Duration.ofMillis(50)), notSweeper).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> asked.get() >= 3);
        }

        assertThat(f.queue.size()).isZero();
    }

    @Test
    void sweptEntriesAreDeliveredOnceByTheWorkers() throws Exception {
        SpoolId first = f.acceptAt(minuteAgo(), null, "alice@example.test");
        SpoolId second = f.acceptAt(minuteAgo(), null, "alice@example.test");
        // The first was offered before the "crash" and is still in the queue: the sweep leaves it.
        await(f.queue.offer(first));
        f.closeStorage();
        f.openStorage();

        assertThat(sweep(Duration.ofSeconds(10)).sweepOnce()).isEqualTo(new SpoolSweep.Summary(1, 0, 1, 0));
        try (DeliveryWorkers workers = DeliveryWorkers.start(f.queue, f.delivery(), f.coordination,
                new SimpleMeterRegistry(), DeliveryWorkers.Options.of(2))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> f.entry(first).isEmpty() && f.entry(second).isEmpty());
        }

        assertThat(f.inbox("alice@example.test")).hasSize(2);
        assertThat(member.instance().getQueue(HazelcastDeliveryQueue.QUEUE_NAME)).isEmpty();
    }
}
