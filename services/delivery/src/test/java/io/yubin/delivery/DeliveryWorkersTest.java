package io.yubin.delivery;

import static io.yubin.delivery.DeliveryFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.yubin.model.MailAddress;
import io.yubin.queue.ClusterMember;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DeliveryWorkers} taking from a real Hazelcast queue and delivering into real storage. */
class DeliveryWorkersTest {

    private static ClusterMember member;

    @TempDir
    Path dataDir;

    private DeliveryFixture f;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void startMember() {
        member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("delivery-workers-test", 0));
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

    private DeliveryWorkers start(LocalDelivery delivery, int threads) {
        return start(delivery, threads, Duration.ofMillis(100));
    }

    private DeliveryWorkers start(LocalDelivery delivery, int threads, Duration retry) {
        return DeliveryWorkers.start(f.queue, delivery, f.coordination, registry,
                new DeliveryWorkers.Options(threads, Duration.ofSeconds(10), Duration.ofSeconds(30),
                        retry, retry.multipliedBy(10), Duration.ofSeconds(2)));
    }

    private List<SpoolId> unfinished() throws Exception {
        return await(f.storage.spool().unfinished(null, 100));
    }

    @Test
    void deliversWhatIsOfferedAndCountsIt() throws Exception {
        List<SpoolId> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(f.accept(null, "alice@example.test"));
        }
        try (DeliveryWorkers workers = start(f.delivery(), 4)) {
            for (SpoolId id : ids) {
                await(f.queue.offer(id));
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> f.inbox("alice@example.test").size() == 20);
        }
        for (SpoolId id : ids) {
            assertThat(f.entry(id)).isEmpty();
        }
        assertThat(registry.get("yubin.delivery.recipients").tag("status", "delivered").counter().count())
                .isEqualTo(20);
        assertThat(registry.get("yubin.delivery.attempts").tag("outcome", "finished").timer().count()).isEqualTo(20);
    }

    @Test
    void theSameIdOfferedTwiceToTwoWorkersIsStoredOnce() throws Exception {
        List<SpoolId> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(f.accept(null, "alice@example.test"));
        }
        try (DeliveryWorkers workers = start(f.delivery(), 2)) {
            for (SpoolId id : ids) {
                await(f.queue.offer(id));
                await(f.queue.offer(id));
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> f.queue.size() == 0 && workers.inFlight() == 0
                    && f.inbox("alice@example.test").size() == 10 && unfinished().isEmpty());
        }
        assertThat(f.inbox("alice@example.test")).hasSize(10);
        double finished = registry.get("yubin.delivery.attempts").tag("outcome", "finished").timer().count();
        double gone = registry.find("yubin.delivery.attempts").tag("outcome", "gone").timers().stream()
                .mapToLong(t -> t.count()).sum();
        double leased = registry.find("yubin.delivery.attempts").tag("outcome", "leased").timers().stream()
                .mapToLong(t -> t.count()).sum();
        assertThat(finished + gone + leased).isEqualTo(20);
    }

    /**
     * The retry needs no timer in this process: the worker keeps the lease for the backoff delay,
     * the sweep leaves the entry alone meanwhile and offers it again once the lease lapses.
     */
    @Test
    void anUnavailableStoreIsRetriedByTheSweepOnceTheBackoffLeaseLapses() throws Exception {
        SpoolId id = f.acceptAt(Instant.now().minusSeconds(60), null, "alice@example.test");
        FailingSpool flaky = new FailingSpool(f.storage.spool(), 2);
        LocalDelivery delivery = new LocalDelivery(flaky, f.storage.mailboxes(), f.accounts.resolver(), f.events,
                Clock.systemUTC(), DeliveryFixture.REMOTE_RETRY);
        try (DeliveryWorkers workers = start(delivery, 1, Duration.ofSeconds(3))) {
            await(f.queue.offer(id));
            await().atMost(Duration.ofSeconds(20)).until(() -> flaky.failuresLeft.get() == 1);
            // The failed entry is leased for its backoff, so a sweep now offers nothing.
            await().atMost(Duration.ofSeconds(10)).until(() -> f.coordination.leased(List.of(id)).contains(id));
            SpoolSweep sweep = new SpoolSweep(f.storage.spool(), f.queue, f.coordination, Clock.systemUTC(),
                    SpoolSweep.Options.every(Duration.ofMillis(200)));
            assertThat(sweep.sweepOnce()).isEqualTo(new SpoolSweep.Summary(0, 1, 0, 0));

            try (SpoolSweep running = sweep.start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> f.entry(id).isEmpty());
            }
        }
        assertThat(f.inbox("alice@example.test")).hasSize(1);
        assertThat(registry.get("yubin.delivery.attempts").tag("outcome", "retry").timer().count()).isEqualTo(2);
    }

    @Test
    void aRemoteRecipientIsCountedDeferredAndItsLeaseReleasedForTheSweep() throws Exception {
        SpoolId id = f.accept("alice@example.test", "friend@remote.test");
        try (DeliveryWorkers workers = start(f.delivery(), 1)) {
            await(f.queue.offer(id));

            await().atMost(Duration.ofSeconds(20)).until(() -> registry.find("yubin.delivery.attempts")
                    .tag("outcome", "pending").timer() != null);
        }
        assertThat(registry.get("yubin.delivery.recipients").tag("status", "deferred").counter().count()).isEqualTo(1);
        assertThat(f.entry(id).orElseThrow().recipients().get(0).lastResult()).isEqualTo(LocalDelivery.REMOTE_NOT_YET);
        assertThat(f.coordination.leased(List.of(id))).isEmpty();
        assertThat(f.queue.size()).isZero();
    }

    @Test
    void anEntryLeasedByAnotherWorkerIsDroppedNotDeliveredAgain() throws Exception {
        SpoolId id = f.accept(null, "alice@example.test");
        SpoolId witness = f.accept(null, "alice@example.test");
        assertThat(f.coordination.acquire(id, Duration.ofMinutes(1))).isTrue();
        try (DeliveryWorkers workers = start(f.delivery(), 1)) {
            await(f.queue.offer(id));
            await(f.queue.offer(witness));

            // One thread takes in order: once the witness is delivered, the leased entry was seen.
            await().atMost(Duration.ofSeconds(20)).until(() -> f.entry(witness).isEmpty());
        }
        assertThat(f.entry(id)).isPresent();
        assertThat(f.inbox("alice@example.test")).hasSize(1);
        assertThat(registry.get("yubin.delivery.attempts").tag("outcome", "leased").timer().count()).isEqualTo(1);
    }

    @Test
    void aLongDeliveryKeepsItsLeaseRenewedAndReleasesItWhenDone() throws Exception {
        SpoolId id = f.accept(null, "alice@example.test");
        SpoolId witness = f.accept(null, "alice@example.test");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Spool gated = new GatedSpool(f.storage.spool(), started, release);
        LocalDelivery delivery = new LocalDelivery(gated, f.storage.mailboxes(), f.accounts.resolver(), f.events,
                Clock.systemUTC(), DeliveryFixture.REMOTE_RETRY);
        try (DeliveryWorkers workers = start(delivery, 1)) {
            await(f.queue.offer(id));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            // A lease taken now, with the workers' time to live, lapses; the running delivery's does not.
            assertThat(f.coordination.acquire(witness, Duration.ofSeconds(2))).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> f.coordination.leased(List.of(witness)).isEmpty());
            assertThat(f.coordination.leased(List.of(id))).containsExactly(id);

            release.countDown();
            await().atMost(Duration.ofSeconds(20)).until(() -> f.entry(id).isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> f.coordination.leased(List.of(id)).isEmpty());
        }
    }

    @Test
    void stopLetsTheInFlightDeliveryFinishAndTakesNothingMore() throws Exception {
        SpoolId slow = f.accept(null, "alice@example.test");
        SpoolId waiting = f.accept(null, "alice@example.test");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Spool gated = new GatedSpool(f.storage.spool(), started, release);
        LocalDelivery delivery = new LocalDelivery(gated, f.storage.mailboxes(), f.accounts.resolver(), f.events,
                Clock.systemUTC(), DeliveryFixture.REMOTE_RETRY);
        DeliveryWorkers workers = start(delivery, 1);
        await(f.queue.offer(slow));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Boolean> stopped = new CompletableFuture<>();
        Thread stopper = new Thread(() -> stopped.complete(workers.stop()), "stopper");
        stopper.start();
        // stop() stops taking, then joins the busy thread: once the stopper waits in that join, the
        // stop has been processed and an entry offered now must not be taken
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> stopper.getState() == Thread.State.TIMED_WAITING);
        await(f.queue.offer(waiting));
        release.countDown();

        assertThat(stopped.get(20, TimeUnit.SECONDS)).isTrue();
        assertThat(f.entry(slow)).isEmpty();
        assertThat(f.entry(waiting)).isPresent();
        assertThat(f.queue.take(Duration.ofSeconds(1))).isEqualTo(waiting);
    }

    @Test
    void backoffDoublesFromTheMinimumUpToTheMaximum() {
        Duration min = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(10);

        assertThat(DeliveryWorkers.backoff(1, min, max)).isEqualTo(Duration.ofSeconds(1));
        assertThat(DeliveryWorkers.backoff(2, min, max)).isEqualTo(Duration.ofSeconds(2));
        assertThat(DeliveryWorkers.backoff(4, min, max)).isEqualTo(Duration.ofSeconds(8));
        assertThat(DeliveryWorkers.backoff(5, min, max)).isEqualTo(max);
        assertThat(DeliveryWorkers.backoff(1000, min, max)).isEqualTo(max);
    }

    /** The real spool, except that its first {@code failures} finds fail as an unreachable backend does. */
    private static final class FailingSpool extends DelegatingSpool {

        final AtomicInteger failuresLeft;

        FailingSpool(Spool spool, int failures) {
            super(spool);
            this.failuresLeft = new AtomicInteger(failures);
        }

        @Override
        public CompletionStage<Optional<SpoolEntry>> find(SpoolId id) {
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return CompletableFuture.failedFuture(StoreException.unavailable("database is locked", null));
            }
            return super.find(id);
        }
    }

    /** The real spool, whose removals (the last write of a finished delivery) wait for the test's release. */
    private static final class GatedSpool extends DelegatingSpool {

        private final CountDownLatch started;
        private final CountDownLatch release;

        GatedSpool(Spool spool, CountDownLatch started, CountDownLatch release) {
            super(spool);
            this.started = started;
            this.release = release;
        }

        @Override
        public CompletionStage<Void> remove(SpoolId id) {
            started.countDown();
            return CompletableFuture.runAsync(() -> {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).thenCompose(v -> super.remove(id));
        }
    }

    private static class DelegatingSpool implements Spool {

        private final Spool spool;

        DelegatingSpool(Spool spool) {
            this.spool = spool;
        }

        @Override
        public CompletionStage<Void> accept(SpoolEntry entry) {
            return spool.accept(entry);
        }

        @Override
        public CompletionStage<Optional<SpoolEntry>> find(SpoolId id) {
            return spool.find(id);
        }

        @Override
        public CompletionStage<Void> update(SpoolId id, MailAddress recipient, RecipientState state) {
            return spool.update(id, recipient, state);
        }

        @Override
        public CompletionStage<List<SpoolId>> unfinished(SpoolId after, int limit) {
            return spool.unfinished(after, limit);
        }

        @Override
        public CompletionStage<Void> remove(SpoolId id) {
            return spool.remove(id);
        }
    }
}
