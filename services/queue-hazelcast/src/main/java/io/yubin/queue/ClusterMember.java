package io.yubin.queue;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's Hazelcast member (issue 16 item 1, docs/scaling.md). The embedded deployment runs
 * exactly one member: every join mechanism is off, so it never finds or is found by another
 * member, and it binds to loopback only. A cluster member joins others either by a static member
 * list over TCP-IP ({@link Options#members()}, bare metal and the tests) or by Hazelcast's built-in
 * Kubernetes discovery in DNS-lookup mode ({@link Options#kubernetesServiceDns()}: the headless
 * Service's name; no Kubernetes API access is needed). It binds to the one given address, never
 * to every interface.
 *
 * <p>Every member publishes {@link #WIRE_VERSION} as the member attribute {@value #WIRE_VERSION_ATTRIBUTE}.
 * Members whose wire versions differ cannot read each other's queue entries and events, so a
 * member that finds an older member of another version refuses to run: it logs one ERROR line
 * naming both versions, leaves, and {@link #startEmbedded} throws. The older member logs the same
 * line and keeps running; the cluster that is up wins.
 */
public final class ClusterMember implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

    /** Where the first port search starts when {@link Options#port()} is 0. */
    static final int FIRST_AUTO_PORT = 5701;
    /** How many ports after {@link #FIRST_AUTO_PORT} an automatic port may take. */
    static final int AUTO_PORT_COUNT = 100;

    /**
     * The generation of everything members send each other (the {@code v1} in
     * {@code proto/.../yubin/cluster/v1}). Within a generation formats only grow fields, which
     * older readers ignore, so members of different releases run side by side in a rolling
     * upgrade; a new generation is a format older members cannot read, and is refused.
     */
    public static final int WIRE_VERSION = 1;
    /** The member attribute that carries {@link #WIRE_VERSION}; absent on members that predate it. */
    public static final String WIRE_VERSION_ATTRIBUTE = "yubin.wire-version";

    /** The map of delivery leases; configured here so that its backup count is explicit. */
    static final String LEASES_MAP = "yubin.delivery.leases";

    /** Tells apart members started in one JVM (tests), whose instance names must differ. */
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * @param clusterName members only talk to members with the same name
     * @param bindAddress the one interface the member listens on
     * @param port the member port, or 0 for the first free one from 5701 on
     * @param members {@code host:port} of members to join over TCP-IP; empty joins nobody by list
     * @param kubernetesServiceDns the headless Service whose DNS records name the members; empty for none
     */
    public record Options(String clusterName, String bindAddress, int port, List<String> members,
            String kubernetesServiceDns) {

        public Options {
            Objects.requireNonNull(clusterName, "clusterName");
            Objects.requireNonNull(bindAddress, "bindAddress");
            Objects.requireNonNull(kubernetesServiceDns, "kubernetesServiceDns");
            members = List.copyOf(members);
            if (clusterName.isBlank()) {
                throw new IllegalArgumentException("cluster name must not be blank");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("cluster port must be 0..65535, was " + port);
            }
            if (!members.isEmpty() && !kubernetesServiceDns.isBlank()) {
                throw new IllegalArgumentException("choose one discovery: a member list or Kubernetes DNS, not both");
            }
        }

        /** A member that joins the given {@code host:port} members over TCP-IP (none: joins nobody). */
        public Options(String clusterName, String bindAddress, int port, List<String> members) {
            this(clusterName, bindAddress, port, members, "");
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
            return new Options(clusterName, bindAddress, port, members, "");
        }

        /** The same member, finding the others through the DNS records of a headless Service. */
        public Options discoveringByKubernetesDns(String serviceDns) {
            return new Options(clusterName, bindAddress, port, List.of(), serviceDns);
        }
    }

    /** A member of another wire version is in the cluster; this member left it. */
    public static final class IncompatibleMemberException extends IllegalStateException {

        IncompatibleMemberException(String message) {
            super(message);
        }
    }

    private final HazelcastInstance instance;

    private ClusterMember(HazelcastInstance instance) {
        this.instance = instance;
    }

    /**
     * Starts a member: alone, or joining others as {@code options} say. Blocks until it is up (a
     * second or two, a few more when it has to join).
     *
     * @throws IncompatibleMemberException when an older member speaks another wire version
     */
    public static ClusterMember startEmbedded(Options options) {
        return start(options, WIRE_VERSION);
    }

    /** {@link #startEmbedded} with another wire version, for tests of an upgrade. */
    static ClusterMember start(Options options, int wireVersion) {
        return start(embeddedConfig(options, wireVersion), wireVersion);
    }

    /** Starts a member on a configuration {@link #embeddedConfig} made (and a test adjusted). */
    static ClusterMember start(Config config, int wireVersion) {
        config.addListenerConfig(new ListenerConfig(new IncompatibleMemberLog(wireVersion)));
        HazelcastInstance instance = Hazelcast.newHazelcastInstance(config);
        Member local = instance.getCluster().getLocalMember();
        // The member list is ordered by age: the members before this one were here first.
        for (Member other : instance.getCluster().getMembers()) {
            if (other.localMember()) {
                break;
            }
            String theirs = other.getAttribute(WIRE_VERSION_ATTRIBUTE);
            if (!String.valueOf(wireVersion).equals(theirs)) {
                String message = incompatible(other, theirs, wireVersion) + "; this member leaves the cluster";
                LOG.error(message);
                instance.shutdown();
                throw new IncompatibleMemberException(message);
            }
        }
        LOG.info("Hazelcast member started: cluster {} at {}, wire version {}, {} member(s)", config.getClusterName(),
                local.getAddress(), wireVersion, instance.getCluster().getMembers().size());
        return new ClusterMember(instance);
    }

    private static String incompatible(Member other, String theirs, int ours) {
        return "Refusing cluster member " + other.getAddress() + ": it speaks cluster wire version "
                + (theirs == null ? "unknown (it predates wire versions)" : theirs) + ", this member speaks "
                + ours + " (issue 16: members of different wire versions cannot share the queue)";
    }

    static Config embeddedConfig(Options options) {
        return embeddedConfig(options, WIRE_VERSION);
    }

    static Config embeddedConfig(Options options, int wireVersion) {
        Config config = new Config();
        config.setClusterName(options.clusterName());
        config.setInstanceName("yubin-" + options.clusterName() + "-" + ProcessHandle.current().pid() + "-"
                + INSTANCES.incrementAndGet());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        // The server's own shutdown hook closes the member after the listeners stop.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.getMemberAttributeConfig().setAttribute(WIRE_VERSION_ATTRIBUTE, String.valueOf(wireVersion));

        // Queue items and leases survive the loss of the member that owns their partition.
        config.getQueueConfig(HazelcastDeliveryQueue.QUEUE_NAME).setBackupCount(1).setAsyncBackupCount(0);
        config.getMapConfig(LEASES_MAP).setBackupCount(1).setAsyncBackupCount(0);

        NetworkConfig network = config.getNetworkConfig();
        if (options.port() == 0) {
            network.setPort(FIRST_AUTO_PORT).setPortAutoIncrement(true).setPortCount(AUTO_PORT_COUNT);
        } else {
            network.setPort(options.port()).setPortAutoIncrement(false);
        }
        // The address itself, not interface matching: matching accepts only an address some network
        // interface lists, which refused e.g. 127.0.0.11 (bindable on Linux, listed by no interface).
        network.getInterfaces().setEnabled(false);
        network.setPublicAddress(null);
        config.setProperty("hazelcast.local.localAddress", options.bindAddress());
        config.setProperty("hazelcast.socket.bind.any", "false");

        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(!options.members().isEmpty()).setMembers(options.members());
        if (options.kubernetesServiceDns().isBlank()) {
            join.getKubernetesConfig().setEnabled(false);
        } else {
            // DNS-lookup mode: the headless Service's A records are the members; every member
            // listens on the same port.
            join.getKubernetesConfig().setEnabled(true)
                    .setProperty("service-dns", options.kubernetesServiceDns())
                    .setProperty("service-port",
                            String.valueOf(options.port() == 0 ? FIRST_AUTO_PORT : options.port()));
        }
        join.getAutoDetectionConfig().setEnabled(false);
        join.getAwsConfig().setEnabled(false);
        join.getGcpConfig().setEnabled(false);
        join.getAzureConfig().setEnabled(false);
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

    /**
     * Logs, on the members already up, each newcomer of another wire version (which leaves by
     * itself). A newcomer is told of the older members too; it judges those in {@link #start}.
     */
    private record IncompatibleMemberLog(int wireVersion) implements MembershipListener {

        @Override
        public void memberAdded(MembershipEvent event) {
            Member joined = event.getMember();
            String theirs = joined.getAttribute(WIRE_VERSION_ATTRIBUTE);
            if (!joined.localMember() && youngerThanLocal(event) && !String.valueOf(wireVersion).equals(theirs)) {
                LOG.error(incompatible(joined, theirs, wireVersion) + "; it leaves the cluster by itself");
            }
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
        }

        /** The member list is in join order: the local member comes before a newer one. */
        private static boolean youngerThanLocal(MembershipEvent event) {
            for (Member member : event.getMembers()) {
                if (member.localMember()) {
                    return true;
                }
                if (member.equals(event.getMember())) {
                    return false;
                }
            }
            return false;
        }
    }
}
