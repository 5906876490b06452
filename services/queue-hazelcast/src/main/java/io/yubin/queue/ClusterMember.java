package io.yubin.queue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's Hazelcast member. The embedded deployment runs exactly one member: every join
 * mechanism is off, so it never finds or is found by another member, and it binds to loopback
 * only. With {@link Options#members()} set, the member joins those addresses over TCP-IP instead
 * (a fixed member list; Kubernetes discovery comes with the cluster deployment).
 */
public final class ClusterMember implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

    /** Where the first port search starts when {@link Options#port()} is 0. */
    static final int FIRST_AUTO_PORT = 5701;
    /** How many ports after {@link #FIRST_AUTO_PORT} an automatic port may take. */
    static final int AUTO_PORT_COUNT = 100;

    /** Tells apart members started in one JVM (tests), whose instance names must differ. */
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * @param clusterName members only talk to members with the same name
     * @param bindAddress the one interface the member listens on
     * @param port the member port, or 0 for the first free one from 5701 on
     * @param members {@code host:port} of members to join over TCP-IP; empty joins nobody
     */
    public record Options(String clusterName, String bindAddress, int port, List<String> members) {

        public Options {
            Objects.requireNonNull(clusterName, "clusterName");
            Objects.requireNonNull(bindAddress, "bindAddress");
            members = List.copyOf(members);
            if (clusterName.isBlank()) {
                throw new IllegalArgumentException("cluster name must not be blank");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("cluster port must be 0..65535, was " + port);
            }
        }

        /** A member that joins nobody. */
        public Options(String clusterName, String bindAddress, int port) {
            this(clusterName, bindAddress, port, List.of());
        }

        /** A single loopback member, as {@code yubin serve} runs it without a cluster. */
        public static Options embedded(String clusterName, int port) {
            return new Options(clusterName, "127.0.0.1", port);
        }

        /** The same member, joining {@code members} ({@code host:port}) over TCP-IP. */
        public Options joining(List<String> members) {
            return new Options(clusterName, bindAddress, port, members);
        }
    }

    private final HazelcastInstance instance;

    private ClusterMember(HazelcastInstance instance) {
        this.instance = instance;
    }

    /**
     * Starts a member: alone when {@link Options#members()} is empty, else joining them. Blocks
     * until it is up (a second or two, a few more when it has to join).
     */
    public static ClusterMember startEmbedded(Options options) {
        HazelcastInstance instance = Hazelcast.newHazelcastInstance(embeddedConfig(options));
        LOG.info("Hazelcast member started: cluster {} at {}", options.clusterName(),
                instance.getCluster().getLocalMember().getAddress());
        return new ClusterMember(instance);
    }

    static Config embeddedConfig(Options options) {
        Config config = new Config();
        config.setClusterName(options.clusterName());
        config.setInstanceName("yubin-" + options.clusterName() + "-" + ProcessHandle.current().pid() + "-"
                + INSTANCES.incrementAndGet());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // The server's own shutdown hook closes the member after the listeners stop.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");

        NetworkConfig network = config.getNetworkConfig();
        if (options.port() == 0) {
            network.setPort(FIRST_AUTO_PORT).setPortAutoIncrement(true).setPortCount(AUTO_PORT_COUNT);
        } else {
            network.setPort(options.port()).setPortAutoIncrement(false);
        }
        network.getInterfaces().setEnabled(true).addInterface(options.bindAddress());
        network.setPublicAddress(null);
        config.setProperty("hazelcast.socket.bind.any", "false");

        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        if (options.members().isEmpty()) {
            join.getTcpIpConfig().setEnabled(false);
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
        }
        join.getAutoDetectionConfig().setEnabled(false);
        join.getAwsConfig().setEnabled(false);
        join.getGcpConfig().setEnabled(false);
        join.getAzureConfig().setEnabled(false);
        join.getKubernetesConfig().setEnabled(false);
        join.getEurekaConfig().setEnabled(false);
        return config;
    }

    public HazelcastInstance instance() {
        return instance;
    }

    public boolean running() {
        return instance.getLifecycleService().isRunning();
    }

    /** Leaves gracefully; idempotent. */
    @Override
    public void close() {
        if (running()) {
            instance.shutdown();
            LOG.info("Hazelcast member stopped");
        }
    }
}
