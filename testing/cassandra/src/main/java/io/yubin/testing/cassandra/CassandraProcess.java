package io.yubin.testing.cassandra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Cassandra node for tests: one node in its own JVM on 127.0.0.1, on free ports, with its
 * data, configuration and log under a directory of the caller, so its data survives {@link #stop()} and
 * {@link #start()} on the same ports. Its classpath comes from {@code cassandra.classpath}, written at
 * build time by maven-dependency-plugin, so none of Cassandra's dependencies is on the test classpath;
 * clients bring their own driver and use {@link #contactPoint()} with {@link #LOCAL_DATACENTER}. A
 * missing classpath file is an error: tests that need Cassandra fail rather than skip. Tests get one
 * through {@link CassandraNodes#start}, which may run a {@link CassandraContainerNode} instead.
 *
 * <p>{@link #start(Path)} returns once the native transport answers a CQL OPTIONS request. Measured on a
 * shared 2-core machine (JDK 17): 5.0-6.7 s for a fresh node, 4.7-5.1 s for a restart on existing data
 * (up to 10-16 s while other builds load the machine); {@link #stop()} 0.5 s; RSS about 790 MB, because
 * Cassandra mlockall()s its memory when it may (as root), which keeps the whole fixed heap resident.
 */
public final class CassandraProcess implements CassandraNode {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    /**
     * G1 as in Cassandra's jvm17-server.options, on a small fixed heap. Serial GC and C1-only
     * ({@code -XX:TieredStopAtLevel=1}) were measured too: they saved 40-90 MB of RSS but did not start
     * faster, and C1-only code runs a longer test suite slower. 768 MB, not 384: the server module's
     * shared node holds 13 keyspaces (272 tables) by the end of its run, and at 384 MB its old
     * generation stood at 370 MB, after full collections, during the last test (the backups).
     */
    static final String HEAP = "768m";
    static final String YOUNG_GENERATION = "128m";

    private static final List<String> JVM_FLAGS = List.of(
            "-Xms" + HEAP, "-Xmx" + HEAP, "-Xmn" + YOUNG_GENERATION, "-XX:+UseG1GC", "-XX:+ParallelRefProcEnabled",
            "-XX:MaxTenuringThreshold=1",
            // a node out of heap exits (and the test fails fast) instead of hanging half-alive
            "-XX:+ExitOnOutOfMemoryError");

    /** From Cassandra's conf/jvm17-server.options: without them start-up fails on JDK 17. */
    private static final List<String> MODULE_FLAGS = List.of(
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED");

    private final Path home;
    private final int nativePort;
    private final int storagePort;
    private final int sslStoragePort;
    private final String classpath;
    private final Thread reaper = new Thread(this::destroyOnExit, "cassandra-process-reaper");
    private volatile Process process;

    private CassandraProcess(Path home, int[] ports, String classpath) {
        this.home = home.toAbsolutePath();
        this.nativePort = ports[0];
        this.storagePort = ports[1];
        this.sslStoragePort = ports[2];
        this.classpath = classpath;
    }

    /**
     * Starts a node on free ports (native transport, storage, ssl storage) with its data, conf and log
     * under {@code home}; returns once CQL answers.
     */
    public static CassandraProcess start(Path home) throws IOException, InterruptedException {
        CassandraProcess cassandra = new CassandraProcess(home, freePorts(3), classpath());
        // A test JVM that dies without close() must not leave a node running.
        Runtime.getRuntime().addShutdownHook(cassandra.reaper);
        cassandra.start();
        return cassandra;
    }

    /**
     * Runs a node for scripts (bench/run-cluster.sh): {@code java -cp yubin-testing-cassandra.jar
     * io.yubin.testing.cassandra.CassandraProcess HOME [--stop-on-eof]} starts it with its data under
     * {@code HOME}, prints its contact point ({@code 127.0.0.1:<port>}) as one line on stdout, and stops
     * it on SIGTERM or SIGINT; with {@code --stop-on-eof} also when stdin reaches end of file.
     */
    public static void main(String[] args) throws Exception {
        boolean stopOnEof = args.length == 2 && args[1].equals("--stop-on-eof");
        if (args.length != 1 && !stopOnEof) {
            System.err.println("usage: CassandraProcess HOME [--stop-on-eof]");
            System.exit(2);
        }
        CassandraProcess cassandra = start(Path.of(args[0]));
        // SIGTERM stops the node gracefully rather than through the reaper's SIGKILL
        Runtime.getRuntime().removeShutdownHook(cassandra.reaper);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cassandra.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cassandra-process-stop"));
        System.out.println(HOST + ":" + cassandra.nativePort());
        System.out.flush();
        if (stopOnEof) {
            System.in.transferTo(OutputStream.nullOutputStream());
            System.exit(0);
        }
        Thread.currentThread().join();
    }

    /** {@code 127.0.0.1} */
    @Override
    public String host() {
        return HOST;
    }

    /** The CQL native transport port. */
    @Override
    public int nativePort() {
        return nativePort;
    }

    /** The process's stdout and stderr, which is also where Cassandra logs (INFO), for failure messages. */
    public Path log() {
        return home.resolve("cassandra.log");
    }

    @Override
    public String describe() {
        return "Cassandra process, log " + log();
    }

    /** Starts it again after {@link #stop()} or {@link #kill()}, same ports and data. */
    @Override
    public synchronized void start() throws IOException, InterruptedException {
        if (isRunning()) {
            throw new IllegalStateException("Cassandra is running");
        }
        writeConfiguration();
        Path conf = home.resolve("conf");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.add("-Djdk.attach.allowAttachSelf=true");
        command.addAll(MODULE_FLAGS);
        command.addAll(List.of(
                "-Dio.netty.tryReflectionSetAccessible=true",
                "-Dcassandra-foreground=yes",
                "-Dcassandra.config=" + conf.resolve("cassandra.yaml").toUri(),
                "-Dlogback.configurationFile=" + conf.resolve("logback.xml"),
                "-Dcassandra.logdir=" + home,
                "-Dcassandra.storagedir=" + home,
                // a single node: nothing to gossip with, no ring to wait for
                "-Dcassandra.skip_wait_for_gossip_to_settle=0",
                "-Dcassandra.ring_delay_ms=100",
                // no peers to tell about the shutdown or to drain messages to: stop() takes 0.5 s, not 4.5 s
                "-Dcassandra.shutdown_announce_in_ms=0",
                "-Dcassandra.test.messagingService.nonGracefulShutdown=true",
                "-cp", conf + java.io.File.pathSeparator + classpath,
                "org.apache.cassandra.service.CassandraDaemon"));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        process = pb.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!CqlPing.answers(HOST, nativePort)) {
            if (!process.isAlive()) {
                int exit = process.exitValue();
                process = null;
                throw new IllegalStateException("Cassandra exited with " + exit + " before CQL answered on port "
                        + nativePort + "; see " + log());
            }
            if (System.nanoTime() > deadline) {
                kill();
                throw new IllegalStateException("Cassandra did not answer CQL on port " + nativePort + " within "
                        + START_TIMEOUT + "; see " + log());
            }
            Thread.sleep(100);
        }
    }

    /** Stops the node (SIGTERM, then SIGKILL after 20 s) and waits until it is gone. */
    @Override
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        process = null;
    }

    /** Kills the node at once (SIGKILL), as a crash would, and waits until it is gone. */
    @Override
    public synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        process.waitFor();
        process = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** {@link #stop()} */
    @Override
    public void close() throws InterruptedException {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: nothing left for it to do
        }
    }

    private void destroyOnExit() {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
        }
    }

    private void writeConfiguration() throws IOException {
        Path conf = home.resolve("conf");
        for (String dir : List.of("conf", "data", "commitlog", "saved_caches", "hints", "cdc_raw")) {
            Files.createDirectories(home.resolve(dir));
        }
        String yaml = CassandraConfiguration.yaml(HOST, HOST, null, storagePort, sslStoragePort, nativePort,
                home.toString());
        Files.writeString(conf.resolve("cassandra.yaml"), yaml, StandardCharsets.UTF_8);
        try (InputStream in = resource("logback.xml")) {
            Files.copy(in, conf.resolve("logback.xml"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String classpath() throws IOException {
        try (InputStream in = resource("cassandra.classpath")) {
            String cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (cp.isEmpty()) {
                throw new IllegalStateException("cassandra.classpath is empty: rebuild testing/cassandra");
            }
            return cp;
        }
    }

    private static InputStream resource(String name) {
        InputStream in = CassandraProcess.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is missing from yubin-testing-cassandra: build testing/cassandra "
                    + "(./mvnw install -pl <module> -am)");
        }
        return in;
    }

    /** Distinct free ports: all sockets are held open together so no port is handed out twice. */
    static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is free again either way
                }
            }
        }
    }
}
