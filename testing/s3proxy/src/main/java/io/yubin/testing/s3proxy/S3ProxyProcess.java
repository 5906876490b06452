package io.yubin.testing.s3proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 API server for tests: S3Proxy in its own JVM on 127.0.0.1, with the {@code filesystem-nio2}
 * backend under a directory of the caller, so its data survives {@link #stop()} and {@link #start()}
 * on the same port. Its classpath comes from {@code s3proxy.classpath}, written at build time by
 * maven-dependency-plugin, so none of S3Proxy's dependencies is on the test classpath. A missing
 * classpath file is an error: tests that need S3 fail rather than skip. Tests get one through
 * {@link S3Endpoints#start}, which may run a {@link MinioContainerEndpoint} instead.
 */
public final class S3ProxyProcess implements S3Endpoint {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path home;
    private final int port;
    private final String classpath;
    private final boolean virtualHost;
    private Process process;

    private S3ProxyProcess(Path home, int port, String classpath, boolean virtualHost) {
        this.home = home;
        this.port = port;
        this.classpath = classpath;
        this.virtualHost = virtualHost;
    }

    /** Starts S3Proxy (path-style addressing) on a free port with its data and log under {@code home}. */
    public static S3ProxyProcess start(Path home) throws IOException, InterruptedException {
        return start(home, false);
    }

    /**
     * As {@link #start(Path)}; with {@code virtualHost} S3Proxy serves virtual-host-style requests to
     * {@code <bucket>.localhost} (and no longer path-style ones).
     */
    public static S3ProxyProcess start(Path home, boolean virtualHost) throws IOException, InterruptedException {
        S3ProxyProcess s3 = new S3ProxyProcess(home, freePort(), classpath(), virtualHost);
        s3.writeConfiguration();
        s3.start();
        return s3;
    }

    /**
     * Runs S3Proxy for scripts (bench/run-cluster.sh): {@code java -cp yubin-testing-s3proxy.jar
     * io.yubin.testing.s3proxy.S3ProxyProcess HOME [--stop-on-eof]} starts it (path-style, credentials
     * {@link #ACCESS_KEY} / {@link #SECRET_KEY}) with its data under {@code HOME}, prints its endpoint
     * ({@code http://127.0.0.1:<port>}) as one line on stdout, and stops it on SIGTERM or SIGINT; with
     * {@code --stop-on-eof} also when stdin reaches end of file.
     */
    public static void main(String[] args) throws Exception {
        boolean stopOnEof = args.length == 2 && args[1].equals("--stop-on-eof");
        if (args.length != 1 && !stopOnEof) {
            System.err.println("usage: S3ProxyProcess HOME [--stop-on-eof]");
            System.exit(2);
        }
        S3ProxyProcess s3 = start(Path.of(args[0]));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                s3.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "s3proxy-process-stop"));
        System.out.println(s3.endpoint());
        System.out.flush();
        if (stopOnEof) {
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
            System.exit(0);
        }
        Thread.currentThread().join();
    }

    /** {@code http://127.0.0.1:<port>} */
    @Override
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** {@code http://localhost:<port>}: with virtual-host style, buckets are {@code <bucket>.localhost}. */
    @Override
    public String virtualHostEndpoint() {
        return "http://" + VIRTUAL_HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** The log S3Proxy writes (stdout and stderr), for failure messages. */
    public Path log() {
        return home.resolve("s3proxy.log");
    }

    @Override
    public String describe() {
        return "S3Proxy process, log " + log();
    }

    /** Starts the process again (after {@link #stop()}) on the same port and data. */
    @Override
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("S3Proxy is running");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + home.resolve("logback.xml").toAbsolutePath(),
                "-cp", classpath, "org.gaul.s3proxy.Main", "--properties", home.resolve("s3proxy.conf").toAbsolutePath().toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        process = pb.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!accepts()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + "; see " + log());
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw new IllegalStateException("S3Proxy did not open port " + port + " within " + START_TIMEOUT);
            }
            Thread.sleep(25);
        }
    }

    /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits until it is gone. */
    @Override
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** SIGKILL, and waits until the process is gone. */
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
    public void close() throws InterruptedException {
        stop();
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void writeConfiguration() throws IOException {
        Path data = home.resolve("data");
        Files.createDirectories(data);
        String conf = String.join("\n",
                "s3proxy.endpoint=" + endpoint(),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem-nio2",
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY,
                "jclouds.filesystem.basedir=" + data.toAbsolutePath(),
                // S3Proxy then answers <bucket>.localhost only: path-style requests fail
                virtualHost ? "s3proxy.virtual-host=" + VIRTUAL_HOST : "",
                "");
        Files.writeString(home.resolve("s3proxy.conf"), conf, StandardCharsets.UTF_8);
        try (InputStream in = resource("logback.xml")) {
            Files.copy(in, home.resolve("logback.xml"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String classpath() throws IOException {
        try (InputStream in = resource("s3proxy.classpath")) {
            String cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            if (cp.isEmpty()) {
                throw new IllegalStateException("s3proxy.classpath is empty: rebuild testing/s3proxy");
            }
            return cp;
        }
    }

    private static InputStream resource(String name) {
        InputStream in = S3ProxyProcess.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is missing from yubin-testing-s3proxy: build testing/s3proxy "
                    + "(./mvnw install -pl <module> -am)");
        }
        return in;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
