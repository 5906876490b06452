package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.collection.IQueue;
import com.hazelcast.config.Config;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterMemberTest {

    @Test
    void embeddedConfigDisablesEveryJoinAndBindsToTheGivenAddressOnly() {
        Config config = ClusterMember.embeddedConfig(ClusterMember.Options.embedded("unit", 15999));

        var join = config.getNetworkConfig().getJoin();
        assertThat(join.getMulticastConfig().isEnabled()).isFalse();
        assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
        assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
        assertThat(config.getNetworkConfig().getInterfaces().isEnabled()).isFalse();
        assertThat(config.getProperty("hazelcast.local.localAddress")).isEqualTo("127.0.0.1");
        assertThat(config.getNetworkConfig().getPort()).isEqualTo(15999);
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isFalse();
        assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        assertThat(config.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
        assertThat(config.getClusterName()).isEqualTo("unit");
    }

    @Test
    void givenMembersTurnOnTcpIpJoinAndNothingElse() {
        Config config = ClusterMember.embeddedConfig(ClusterMember.Options.embedded("unit", 15999)
                .joining(java.util.List.of("127.0.0.1:15999", "127.0.0.1:16000")));

        var join = config.getNetworkConfig().getJoin();
        assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
        assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:15999", "127.0.0.1:16000");
        assertThat(join.getMulticastConfig().isEnabled()).isFalse();
        assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    }

    @Test
    void kubernetesDnsTurnsOnDnsLookupDiscoveryOnTheMemberPortAndNothingElse() {
        Config config = ClusterMember.embeddedConfig(new ClusterMember.Options("prod", "10.1.2.3", 5701)
                .discoveringByKubernetesDns("yubin-hazelcast.mail.svc.cluster.local"));

        var join = config.getNetworkConfig().getJoin();
        assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
        assertThat(join.getKubernetesConfig().getProperty("service-dns"))
                .isEqualTo("yubin-hazelcast.mail.svc.cluster.local");
        assertThat(join.getKubernetesConfig().getProperty("service-port")).isEqualTo("5701");
        assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
        assertThat(join.getMulticastConfig().isEnabled()).isFalse();
        assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
        assertThat(config.getProperty("hazelcast.local.localAddress")).isEqualTo("10.1.2.3");
        assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    }

    /**
     * Linux lets a process bind any 127/8 address although only 127.0.0.1 is an interface address;
     * the members of the cluster tests sit on such aliases (127.0.0.11, ...), as pods sit on theirs.
     */
    @Test
    void aMemberBindsAnAddressThatNoInterfaceLists() throws Exception {
        int port = io.yubin.testing.backends.FreePorts.belowEphemeralRange();
        ClusterMember member = ClusterMember.startEmbedded(new ClusterMember.Options("alias-" + ProcessHandle.current().pid(),
                "127.0.0.11", port));
        try {
            var address = member.instance().getCluster().getLocalMember().getAddress();
            assertThat(address.getHost()).isEqualTo("127.0.0.11");
            assertThat(address.getPort()).isEqualTo(port);
        } finally {
            member.close();
        }
    }

    @Test
    void aMemberListAndKubernetesDnsTogetherAreRefused() {
        assertThatThrownBy(() -> new ClusterMember.Options("prod", "10.1.2.3", 5701, List.of("10.1.2.4:5701"),
                "yubin-hazelcast")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("choose one");
    }

    @Test
    void everyMemberPublishesItsWireVersionAndBacksUpTheQueueAndTheLeases() {
        Config config = ClusterMember.embeddedConfig(ClusterMember.Options.embedded("unit", 0));

        assertThat(config.getMemberAttributeConfig().getAttribute(ClusterMember.WIRE_VERSION_ATTRIBUTE))
                .isEqualTo(String.valueOf(ClusterMember.WIRE_VERSION));
        assertThat(config.getQueueConfig(HazelcastDeliveryQueue.QUEUE_NAME).getBackupCount()).isEqualTo(1);
        assertThat(config.getMapConfig(ClusterMember.LEASES_MAP).getBackupCount()).isEqualTo(1);
    }

    @Test
    void membersInOneProcessGetDistinctInstanceNames() {
        var options = ClusterMember.Options.embedded("unit", 0);

        assertThat(ClusterMember.embeddedConfig(options).getInstanceName())
                .isNotEqualTo(ClusterMember.embeddedConfig(options).getInstanceName());
    }

    @Test
    void portZeroSearchesForAFreePort() {
        Config config = ClusterMember.embeddedConfig(ClusterMember.Options.embedded("unit", 0));

        assertThat(config.getNetworkConfig().getPort()).isEqualTo(ClusterMember.FIRST_AUTO_PORT);
        assertThat(config.getNetworkConfig().isPortAutoIncrement()).isTrue();
    }

    @Test
    void embeddedMemberIsAloneOnLoopbackServesAQueueAndStops() throws InterruptedException {
        ClusterMember member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("queue-test", 0));
        try {
            assertThat(member.running()).isTrue();
            assertThat(member.instance().getCluster().getMembers()).hasSize(1);
            assertThat(member.instance().getCluster().getLocalMember().getAddress().getHost())
                    .isEqualTo("127.0.0.1");

            IQueue<String> queue = member.instance().getQueue("delivery");
            queue.offer("spool-1");
            queue.offer("spool-2");
            assertThat(queue.take()).isEqualTo("spool-1");
            assertThat(queue.take()).isEqualTo("spool-2");
        } finally {
            member.close();
        }
        assertThat(member.running()).isFalse();
        member.close();
    }
}
