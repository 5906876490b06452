package io.yubin.delivery;

import static io.yubin.delivery.DeliveryFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.queue.ClusterMember;
import io.yubin.queue.HazelcastDeliveryQueue;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SpoolRecovery} after a restart of real embedded storage, into a real Hazelcast queue. */
class SpoolRecoveryTest {

    private static ClusterMember member;

    @TempDir
    Path dataDir;

    private DeliveryFixture f;

    @BeforeAll
    static void startMember() {
        member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("spool-recovery-test", 0));
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

    private Set<SpoolId> drainQueue() throws InterruptedException {
        Set<SpoolId> ids = new HashSet<>();
        for (SpoolId id = f.queue.take(Duration.ofMillis(200)); id != null; id = f.queue.take(Duration.ofMillis(200))) {
            ids.add(id);
        }
        return ids;
    }

    @Test
    void afterARestartReoffersQueuedAndDueEntriesAndSchedulesTheRest() throws Exception {
        SpoolId queued = f.accept(null, "alice@example.test");
        SpoolId due = f.accept("alice@example.test", "friend@remote.test");
        SpoolId later = f.accept("alice@example.test", "other@remote.test");
        SpoolId delivered = f.accept(null, "alice@example.test");
        MailAddress friend = MailAddress.parse("friend@remote.test");
        MailAddress other = MailAddress.parse("other@remote.test");
        await(f.storage.spool().update(due, friend, new RecipientState(friend, DeliveryStatus.DEFERRED, 1,
                Instant.now().minusSeconds(60), LocalDelivery.REMOTE_NOT_YET)));
        await(f.storage.spool().update(later, other, new RecipientState(other, DeliveryStatus.DEFERRED, 1,
                Instant.now().plus(Duration.ofHours(1)), LocalDelivery.REMOTE_NOT_YET)));
        await(f.delivery().deliver(delivered));
        f.closeStorage();
        f.openStorage();

        SpoolRecovery.Summary summary = await(
                new SpoolRecovery(f.storage.spool(), f.queue, f.scheduler, Clock.systemUTC()).run());

        assertThat(summary).isEqualTo(new SpoolRecovery.Summary(2, 1));
        assertThat(drainQueue()).containsExactlyInAnyOrder(queued, due);
        assertThat(f.scheduler.scheduled()).isEqualTo(1);
    }

    @Test
    void pagesThroughEveryUnfinishedEntry() throws Exception {
        List<SpoolId> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(f.accept(null, "alice@example.test"));
        }

        SpoolRecovery.Summary summary = await(
                new SpoolRecovery(f.storage.spool(), f.queue, f.scheduler, Clock.systemUTC(), 3).run());

        assertThat(summary.offered()).isEqualTo(7);
        assertThat(drainQueue()).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void recoveredEntriesAreDeliveredOnceByTheWorkers() throws Exception {
        SpoolId first = f.accept(null, "alice@example.test");
        SpoolId second = f.accept(null, "alice@example.test");
        // The first was offered before the "crash" and is still in the queue: it comes twice.
        await(f.queue.offer(first));
        f.closeStorage();
        f.openStorage();

        await(new SpoolRecovery(f.storage.spool(), f.queue, f.scheduler, Clock.systemUTC()).run());
        try (DeliveryWorkers workers = DeliveryWorkers.start(f.queue, f.delivery(), f.scheduler,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), DeliveryWorkers.Options.of(2))) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> f.entry(first).isEmpty() && f.entry(second).isEmpty());
        }

        assertThat(f.inbox("alice@example.test")).hasSize(2);
        assertThat(member.instance().getQueue(HazelcastDeliveryQueue.QUEUE_NAME)).isEmpty();
    }
}
