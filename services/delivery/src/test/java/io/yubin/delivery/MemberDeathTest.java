package io.yubin.delivery;

import static io.yubin.delivery.DeliveryFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.yubin.queue.ClusterMember;
import io.yubin.store.SpoolId;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 3 with a real member death: a member in another JVM ({@link ForkedMember}) takes a
 * spool entry and leases it, and is killed with SIGKILL mid-delivery. The survivor leaves the entry
 * alone while the lease lasts, then its sweep re-offers it and it is delivered exactly once.
 */
class MemberDeathTest {

    private static final long LEASE_TTL_SECONDS = 6;

    @TempDir
    Path dir;

    private ClusterMember survivor;
    private DeliveryFixture f;
    private Process forked;

    @AfterEach
    void tearDown() throws Exception {
        if (forked != null) {
            forked.destroyForcibly();
        }
        if (f != null) {
            f.close();
        }
        if (survivor != null) {
            survivor.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Process fork(String cluster, int port, List<String> members, Path log) throws IOException {
        Files.createDirectories(dir.resolve("forked-data"));
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "--add-modules", "java.se",
                "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                ForkedMember.class.getName(), cluster, String.valueOf(port), String.join(",", members),
                String.valueOf(LEASE_TTL_SECONDS), dir.resolve("forked-data").toString());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static boolean logged(Path log, String line) throws IOException {
        return Files.exists(log) && Files.readAllLines(log).contains(line);
    }

    @Test
    void anEntryTakenByAKilledMemberIsDeliveredOnceByTheSurvivorAfterTheLeaseExpires() throws Exception {
        int survivorPort = freePort();
        int forkedPort = freePort();
        List<String> members = List.of("127.0.0.1:" + survivorPort, "127.0.0.1:" + forkedPort);
        String cluster = "member-death-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        survivor = ClusterMember.startEmbedded(new ClusterMember.Options(cluster, "127.0.0.1", survivorPort)
                .joining(members));
        f = new DeliveryFixture(dir.resolve("data"), survivor);
        f.domain("example.test");
        f.user("alice@example.test");
        SpoolId id = f.acceptAt(Instant.now().minusSeconds(60), null, "alice@example.test");
        Path log = dir.resolve("forked.log");
        forked = fork(cluster, forkedPort, members, log);
        await().atMost(Duration.ofSeconds(90)).until(() -> logged(log, "READY")
                && survivor.instance().getCluster().getMembers().size() == 2);

        // Offered here; the survivor runs no workers yet, so the forked member takes it.
        await(f.queue.offer(id));
        await().atMost(Duration.ofSeconds(30)).until(() -> logged(log, "TAKEN " + id.value()));
        assertThat(f.coordination.leased(List.of(id))).containsExactly(id);

        forked.destroyForcibly();
        assertThat(forked.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Instant killed = Instant.now();
        SpoolSweep sweep = new SpoolSweep(f.storage.spool(), f.queue, f.coordination, Clock.systemUTC(),
                SpoolSweep.Options.every(Duration.ofMillis(200)));
        // The dead member's lease still stands: nothing is offered yet.
        assertThat(sweep.sweepOnce()).isEqualTo(new SpoolSweep.Summary(0, 1, 0, 0));

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (DeliveryWorkers workers = DeliveryWorkers.start(f.queue, f.delivery(), f.coordination, registry,
                DeliveryWorkers.Options.of(4)); SpoolSweep running = sweep.start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> f.entry(id).isEmpty());
        }

        // The forked member renewed every 2 s, so its lease outlived it by at least 4 s.
        assertThat(Duration.between(killed, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(f.inbox("alice@example.test")).hasSize(1);
        assertThat(registry.get("yubin.delivery.recipients").tag("status", "delivered").counter().count())
                .isEqualTo(1);
        assertThat(survivor.instance().getCluster().getMembers()).hasSize(1);
    }
}
