package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.store.SpoolId;
import io.yubin.testing.backends.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Delivery leases and the sweeper role on two real members in this JVM (issue 16 item 3). */
class HazelcastDeliveryCoordinationTest {

    private ClusterMember older;
    private ClusterMember younger;
    private HazelcastDeliveryCoordination onOlder;
    private HazelcastDeliveryCoordination onYounger;

    @BeforeEach
    void startTwoMembers() throws IOException {
        int first = freePort();
        int second = freePort();
        List<String> list = List.of("127.0.0.1:" + first, "127.0.0.1:" + second);
        String name = "leases-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        older = ClusterMember.startEmbedded(new ClusterMember.Options(name, "127.0.0.1", first).joining(list));
        younger = ClusterMember.startEmbedded(new ClusterMember.Options(name, "127.0.0.1", second).joining(list));
        await().atMost(Duration.ofSeconds(30)).until(() -> older.instance().getCluster().getMembers().size() == 2);
        onOlder = new HazelcastDeliveryCoordination(older.instance());
        onYounger = new HazelcastDeliveryCoordination(younger.instance());
    }

    @AfterEach
    void stopMembers() {
        younger.instance().getLifecycleService().terminate();
        older.instance().getLifecycleService().terminate();
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }

    @Test
    void aLeaseHeldOnOneMemberKeepsTheOtherOutUntilReleased() {
        SpoolId id = new SpoolId("leased-1");

        assertThat(onOlder.acquire(id, Duration.ofMinutes(1))).isTrue();
        assertThat(onYounger.acquire(id, Duration.ofMinutes(1))).isFalse();
        assertThat(onYounger.leased(List.of(id, new SpoolId("free")))).containsExactly(id);
        assertThat(onYounger.renew(id, Duration.ofMinutes(1))).isFalse();
        onYounger.release(id);
        assertThat(onYounger.leased(List.of(id))).containsExactly(id);

        onOlder.release(id);

        assertThat(onYounger.leased(List.of(id))).isEmpty();
        assertThat(onYounger.acquire(id, Duration.ofMinutes(1))).isTrue();
    }

    @Test
    void aLeaseNobodyRenewsExpiresAndAnotherMemberMayTakeIt() {
        SpoolId id = new SpoolId("lapsing");
        assertThat(onOlder.acquire(id, Duration.ofSeconds(1))).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() -> onYounger.leased(List.of(id)).isEmpty());

        assertThat(onYounger.acquire(id, Duration.ofMinutes(1))).isTrue();
        assertThat(onOlder.renew(id, Duration.ofMinutes(1))).isFalse();
    }

    @Test
    void aRenewedLeaseOutlivesItsFirstTimeToLive() {
        SpoolId renewed = new SpoolId("renewed");
        SpoolId witness = new SpoolId("witness");
        assertThat(onOlder.acquire(renewed, Duration.ofSeconds(1))).isTrue();
        assertThat(onOlder.renew(renewed, Duration.ofMinutes(5))).isTrue();
        assertThat(onOlder.acquire(witness, Duration.ofSeconds(1))).isTrue();

        // The witness, taken after the renewed lease with the same first time to live, has lapsed.
        await().atMost(Duration.ofSeconds(10)).until(() -> onYounger.leased(List.of(witness)).isEmpty());

        assertThat(onYounger.leased(List.of(renewed))).containsExactly(renewed);
    }

    @Test
    void timesToLiveAreWholeSecondsRoundedUp() {
        assertThat(HazelcastDeliveryCoordination.seconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(HazelcastDeliveryCoordination.seconds(Duration.ZERO)).isEqualTo(1);
        assertThat(HazelcastDeliveryCoordination.seconds(Duration.ofMillis(1500))).isEqualTo(2);
        assertThat(HazelcastDeliveryCoordination.seconds(Duration.ofSeconds(30))).isEqualTo(30);
    }

    @Test
    void theOldestMemberSweepsAndTheNextTakesOverWhenItLeaves() {
        assertThat(onOlder.sweeper()).isTrue();
        assertThat(onYounger.sweeper()).isFalse();

        older.instance().getLifecycleService().terminate();

        await().atMost(Duration.ofSeconds(30)).until(onYounger::sweeper);
    }
}
