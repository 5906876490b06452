package io.yubin.testing.cassandra;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.testcontainers.cassandra.CassandraContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * A Cassandra node in a Testcontainers container, for machines with a Docker engine. It runs the
 * same release as {@link CassandraProcess} (the image tag matches the cassandra-all version of this
 * module) with the same {@code cassandra.yaml}, handed over with {@code -Dcassandra.config}.
 *
 * <p>Restarts keep the container: {@link #stop()} and {@link #kill()} stop it ({@code docker stop},
 * {@code docker kill}) and {@link #start()} starts the same container again, so its data (the
 * image's volume {@code /var/lib/cassandra}) survives as a process's data directory does. Docker
 * would give a restarted container a new random host port; the CQL port is therefore bound to a
 * fixed host port, picked free on this machine at first start, so the contact point never changes.
 * That pick assumes the engine runs on this machine (the usual case; a remote {@code DOCKER_HOST}
 * may find the port taken there). {@link #close()} writes the container's log to
 * {@code home/cassandra.log} and removes the container.
 */
public final class CassandraContainerNode implements CassandraNode {

    /** Must name the cassandra-all version of this module's POM (the process path). */
    public static final String IMAGE = "cassandra:5.0.9";

    private static final int CQL_PORT = 9042;
    private static final String CONFIG = "/etc/cassandra/yubin-test.yaml";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final int STOP_TIMEOUT_SECONDS = 20;

    private final CassandraContainer container;
    private final Path home;
    private final int hostPort;

    private CassandraContainerNode(CassandraContainer container, Path home, int hostPort) {
        this.container = container;
        this.home = home;
        this.hostPort = hostPort;
    }

    /** Creates and starts the container; returns once CQL answers on the host port. */
    static CassandraContainerNode start(Path home) throws IOException {
        Files.createDirectories(home);
        int hostPort = CassandraProcess.freePorts(1)[0];
        CassandraContainer container = new CassandraContainer(DockerImageName.parse(IMAGE))
                // the heap of the process path; the module's default is 1 GB
                .withEnv("MAX_HEAP_SIZE", CassandraProcess.HEAP.toUpperCase(Locale.ROOT))
                .withEnv("HEAP_NEWSIZE", CassandraProcess.YOUNG_GENERATION.toUpperCase(Locale.ROOT))
                .withEnv("JVM_OPTS", String.join(" ",
                        "-Dcassandra.config=file://" + CONFIG,
                        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                        "-Dcassandra.ring_delay_ms=100",
                        "-Dcassandra.shutdown_announce_in_ms=0",
                        "-Dcassandra.test.messagingService.nonGracefulShutdown=true"))
                // the CQL port listens on every address in the container (Docker forwards to its
                // interface); storage stays on the container's loopback: one node, no peers
                .withCopyToContainer(Transferable.of(CassandraConfiguration.yaml("127.0.0.1", "0.0.0.0", "127.0.0.1",
                        7000, 7001, CQL_PORT, "/var/lib/cassandra")), CONFIG)
                .withStartupTimeout(START_TIMEOUT);
        container.setPortBindings(List.of(hostPort + ":" + CQL_PORT));
        CassandraContainerNode node = new CassandraContainerNode(container, home, hostPort);
        container.start();
        node.awaitCql();
        return node;
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int nativePort() {
        return hostPort;
    }

    @Override
    public synchronized void start() {
        if (isRunning()) {
            throw new IllegalStateException("Cassandra is running");
        }
        docker().startContainerCmd(container.getContainerId()).exec();
        awaitCql();
    }

    @Override
    public synchronized void stop() throws InterruptedException {
        if (isRunning()) {
            docker().stopContainerCmd(container.getContainerId()).withTimeout(STOP_TIMEOUT_SECONDS).exec();
            awaitExit();
        }
    }

    @Override
    public synchronized void kill() throws InterruptedException {
        if (isRunning()) {
            docker().killContainerCmd(container.getContainerId()).exec();
            awaitExit();
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return container.getContainerId() != null && container.isRunning();
    }

    @Override
    public String describe() {
        return "Cassandra container " + container.getContainerId() + " (" + IMAGE + "), log at close in "
                + home.resolve("cassandra.log");
    }

    @Override
    public synchronized void close() {
        try {
            if (container.getContainerId() != null) {
                Files.writeString(home.resolve("cassandra.log"), container.getLogs(), StandardCharsets.UTF_8);
            }
        } catch (IOException | RuntimeException e) {
            // the log is for a post-mortem; removing the container matters more
        } finally {
            container.stop();
        }
    }

    private DockerClient docker() {
        return container.getDockerClient();
    }

    private void awaitCql() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!CqlPing.answers(host(), hostPort)) {
            if (!container.isRunning()) {
                throw new IllegalStateException("Cassandra container exited before CQL answered on " + host() + ":"
                        + hostPort + "; its log:\n" + container.getLogs());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Cassandra container did not answer CQL on " + host() + ":" + hostPort
                        + " within " + START_TIMEOUT + "; " + describe());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private void awaitExit() throws InterruptedException {
        docker().waitContainerCmd(container.getContainerId()).start()
                .awaitStatusCode(STOP_TIMEOUT_SECONDS * 2L, TimeUnit.SECONDS);
    }
}
