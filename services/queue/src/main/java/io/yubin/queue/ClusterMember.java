package io.yubin.queue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's Hazelcast member. The embedded deployment runs exactly one member: every join
 * mechanism is off, so it never finds or is found by another member, and it binds to loopback
 * only.
 */
public final class ClusterMember implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

    /** Where the first port search starts when {@link Options#port()} is 0. */
    static final int FIRST_AUTO_PORT = 5701;
    /** How many ports after {@link #FIRST_AUTO_PORT} an automatic port may take. */
    static final int AUTO_PORT_COUNT = 100;

    /**
     * @param clusterName members only talk to members with the same name
     * @param bindAddress the one interface the member listens on
     * @param port the member port, or 0 for the first free one from 5701 on
     */
    public record Options(String clusterName, String bindAddress, int port) {

        public Options {
            Objects.requireNonNull(clusterName, "clusterName");
            Objects.requireNonNull(bindAddress, "bindAddress");
            if (clusterName.isBlank()) {
                throw new IllegalArgumentException("cluster name must not be blank");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("cluster port must be 0..65535, was " + port);
            }
        }

        /** A single loopback member, as {@code yubin serve} runs it without a cluster. */
        public static Options embedded(String clusterName, int port) {
            return new Options(clusterName, "127.0.0.1", port);
        }
    }

    private final HazelcastInstance instance;

    private ClusterMember(HazelcastInstance instance) {
        this.instance = instance;
    }

    /** Starts a single member that joins nobody. Blocks until it is up (a second or two). */
    public static ClusterMember startEmbedded(Options options) {
        HazelcastInstance instance = Hazelcast.newHazelcastInstance(embeddedConfig(options));
        LOG.info("Hazelcast member started: cluster {} at {}", options.clusterName(),
                instance.getCluster().getLocalMember().getAddress());
        return new ClusterMember(instance);
    }

    static Config embeddedConfig(Options options) {
        Config config = new Config();
        config.setClusterName(options.clusterName());
        config.setInstanceName("yubin-" + options.clusterName() + "-" + ProcessHandle.current().pid());
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
        join.getTcpIpConfig().setEnabled(false);
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
