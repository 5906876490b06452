package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hazelcast.config.Config;
import io.yubin.store.SpoolId;
import io.yubin.testing.backends.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Real members in this JVM finding each other, or refusing to (issue 16 item 1). */
class ClusterMembershipTest {

    private final List<ClusterMember> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).instance().getLifecycleService().terminate();
        }
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }

    private static String uniqueName(String base) {
        return base + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }

    private ClusterMember start(ClusterMember.Options options) {
        ClusterMember member = ClusterMember.startEmbedded(options);
        started.add(member);
        return member;
    }

    @Test
    void threeMembersJoinByAStaticMemberList() throws IOException {
        List<Integer> ports = List.of(freePort(), freePort(), freePort());
        List<String> list = ports.stream().map(p -> "127.0.0.1:" + p).toList();
        String name = uniqueName("three");

        for (int port : ports) {
            start(new ClusterMember.Options(name, "127.0.0.1", port).joining(list));
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> started.stream()
                .allMatch(m -> m.instance().getCluster().getMembers().size() == 3));
        for (ClusterMember member : started) {
            assertThat(member.instance().getCluster().getLocalMember().getAddress().getHost()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void membersWithDifferentClusterNamesDoNotJoin() throws IOException {
        int first = freePort();
        int second = freePort();
        List<String> list = List.of("127.0.0.1:" + first, "127.0.0.1:" + second);

        ClusterMember a = start(new ClusterMember.Options(uniqueName("install-a"), "127.0.0.1", first).joining(list));
        ClusterMember b = start(new ClusterMember.Options(uniqueName("install-b"), "127.0.0.1", second).joining(list));

        // Both have finished joining (startEmbedded returns after the join attempt): each is alone.
        assertThat(a.instance().getCluster().getMembers()).hasSize(1);
        assertThat(b.instance().getCluster().getMembers()).hasSize(1);
        // And the queue is not shared: what one offers, the other never sees.
        try (HazelcastDeliveryQueue qa = new HazelcastDeliveryQueue(a.instance());
                HazelcastDeliveryQueue qb = new HazelcastDeliveryQueue(b.instance())) {
            qa.offer(new SpoolId("only-in-a")).toCompletableFuture().join();
            assertThat(qa.size()).isEqualTo(1);
            assertThat(qb.size()).isZero();
        }
    }

    /**
     * Hazelcast's Kubernetes discovery in DNS-lookup mode, against real name resolution:
     * "localhost" resolves to 127.0.0.1 as a headless Service resolves to its pods. In a pod every
     * member has its own address and the same port; on one machine the second member needs another
     * port, so the lookups are pointed at the first member's port by hand. (Hazelcast refuses a
     * joiner whose join method differs from the cluster's, so both members use DNS.)
     */
    @Test
    void aMemberFindsAnotherThroughKubernetesDnsLookup() throws IOException {
        int firstPort = freePort();
        String name = uniqueName("k8s-dns");
        ClusterMember first = startByDns(name, firstPort, firstPort);

        ClusterMember second = startByDns(name, freePort(), firstPort);

        await().atMost(Duration.ofSeconds(30)).until(() -> first.instance().getCluster().getMembers().size() == 2);
        assertThat(second.instance().getCluster().getMembers()).hasSize(2);
    }

    private ClusterMember startByDns(String name, int port, int lookupPort) {
        Config config = ClusterMember.embeddedConfig(new ClusterMember.Options(name, "127.0.0.1", port)
                .discoveringByKubernetesDns("localhost"));
        config.getNetworkConfig().getJoin().getKubernetesConfig().setProperty("service-port",
                String.valueOf(lookupPort));
        ClusterMember member = ClusterMember.start(config, ClusterMember.WIRE_VERSION);
        started.add(member);
        return member;
    }

    @Test
    void aMemberOfAnotherWireVersionIsRefusedWithOneErrorLineOnEachSide() throws IOException {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ClusterMember.class);
        logger.addAppender(log);
        try {
            int first = freePort();
            int second = freePort();
            List<String> list = List.of("127.0.0.1:" + first, "127.0.0.1:" + second);
            String name = uniqueName("wire");
            ClusterMember old = start(new ClusterMember.Options(name, "127.0.0.1", first).joining(list));

            assertThatThrownBy(() -> ClusterMember.start(new ClusterMember.Options(name, "127.0.0.1", second)
                    .joining(list), ClusterMember.WIRE_VERSION + 1))
                    .isInstanceOf(ClusterMember.IncompatibleMemberException.class)
                    .hasMessageContaining("wire version " + ClusterMember.WIRE_VERSION + ", this member speaks "
                            + (ClusterMember.WIRE_VERSION + 1));

            await().atMost(Duration.ofSeconds(30)).until(() -> old.instance().getCluster().getMembers().size() == 1);
            assertThat(old.running()).isTrue();
            List<String> errors = log.list.stream().filter(e -> e.getLevel() == Level.ERROR)
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(errors).hasSize(2);
            assertThat(errors).allSatisfy(line -> assertThat(line).contains("Refusing cluster member")
                    .contains("wire version").contains(String.valueOf(ClusterMember.WIRE_VERSION))
                    .contains(String.valueOf(ClusterMember.WIRE_VERSION + 1)));
        } finally {
            logger.detachAppender(log);
        }
    }

    /**
     * The queue's backup copy: the member that owns the queue's partition dies without a goodbye,
     * and the survivor still has the entry. With no backup the entry would be gone.
     */
    @Test
    void aQueuedEntrySurvivesTheCrashOfTheMemberThatOwnedIt() throws Exception {
        int first = freePort();
        int second = freePort();
        List<String> list = List.of("127.0.0.1:" + first, "127.0.0.1:" + second);
        String name = uniqueName("backup");
        ClusterMember a = start(new ClusterMember.Options(name, "127.0.0.1", first).joining(list));
        ClusterMember b = start(new ClusterMember.Options(name, "127.0.0.1", second).joining(list));
        await().atMost(Duration.ofSeconds(30)).until(() -> a.instance().getCluster().getMembers().size() == 2);
        try (HazelcastDeliveryQueue qa = new HazelcastDeliveryQueue(a.instance())) {
            qa.offer(new SpoolId("survives")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        // Wait until the partition table has settled, so that the owner named below is the owner.
        await().atMost(Duration.ofSeconds(30)).until(() -> a.instance().getPartitionService().isClusterSafe());
        var owner = a.instance().getPartitionService().getPartition(HazelcastDeliveryQueue.QUEUE_NAME).getOwner();
        ClusterMember dying = owner.localMember() ? a : b;
        ClusterMember survivor = dying == a ? b : a;

        dying.instance().getLifecycleService().terminate();

        try (HazelcastDeliveryQueue q = new HazelcastDeliveryQueue(survivor.instance())) {
            assertThat(q.take(Duration.ofSeconds(30))).isEqualTo(new SpoolId("survives"));
        }
    }
}
