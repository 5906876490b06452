package io.yubin.testing.s3proxy;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * MinIO in a Testcontainers container, for machines with a Docker engine, with the credentials of
 * {@link S3Endpoint}. Restarts keep the container: {@link #stop()} is {@code docker stop} and
 * {@link #start()} starts the same container again, so its objects (the container's {@code /data})
 * survive; {@link #kill()} is {@code docker kill}. The S3 port is bound to a fixed host port, picked free on this machine at first start,
 * because Docker would give a restarted container a new random one; that assumes the engine runs on
 * this machine. {@link #close()} writes the container's log to {@code home/minio.log} and removes it.
 */
public final class MinioContainerEndpoint implements S3Endpoint {

    /** A pinned release: MinIO publishes no versioned "latest" worth trusting in a test. */
    public static final String IMAGE = "minio/minio:RELEASE.2025-09-07T16-13-09Z";

    private static final int S3_PORT = 9000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final int STOP_TIMEOUT_SECONDS = 10;

    private final MinIOContainer container;
    private final Path home;
    private final int hostPort;

    private MinioContainerEndpoint(MinIOContainer container, Path home, int hostPort) {
        this.container = container;
        this.home = home;
        this.hostPort = hostPort;
    }

    static MinioContainerEndpoint start(Path home, boolean virtualHost) throws IOException {
        Files.createDirectories(home);
        int hostPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            hostPort = socket.getLocalPort();
        }
        MinIOContainer container = new MinIOContainer(DockerImageName.parse(IMAGE))
                .withUserName(ACCESS_KEY)
                .withPassword(SECRET_KEY);
        if (virtualHost) {
            // MinIO answers <bucket>.<MINIO_DOMAIN> virtual-host style, and path style as well
            container.withEnv("MINIO_DOMAIN", VIRTUAL_HOST);
        }
        container.setPortBindings(List.of(hostPort + ":" + S3_PORT));
        container.start();
        MinioContainerEndpoint endpoint = new MinioContainerEndpoint(container, home, hostPort);
        endpoint.awaitReady();
        return endpoint;
    }

    @Override
    public String endpoint() {
        return "http://" + container.getHost() + ":" + hostPort;
    }

    @Override
    public String virtualHostEndpoint() {
        return "http://" + VIRTUAL_HOST + ":" + hostPort;
    }

    @Override
    public synchronized void start() {
        if (container.isRunning()) {
            throw new IllegalStateException("MinIO is running");
        }
        container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
        awaitReady();
    }

    @Override
    public synchronized void stop() {
        if (container.getContainerId() != null && container.isRunning()) {
            container.getDockerClient().stopContainerCmd(container.getContainerId())
                    .withTimeout(STOP_TIMEOUT_SECONDS).exec();
            container.getDockerClient().waitContainerCmd(container.getContainerId()).start()
                    .awaitStatusCode(STOP_TIMEOUT_SECONDS * 2L, TimeUnit.SECONDS);
        }
    }

    /** {@code docker kill} (SIGKILL), and waits until the container has exited. */
    @Override
    public synchronized void kill() {
        if (container.getContainerId() != null && container.isRunning()) {
            container.getDockerClient().killContainerCmd(container.getContainerId()).exec();
            container.getDockerClient().waitContainerCmd(container.getContainerId()).start()
                    .awaitStatusCode(STOP_TIMEOUT_SECONDS * 2L, TimeUnit.SECONDS);
        }
    }

    @Override
    public String describe() {
        return "MinIO container " + container.getContainerId() + " (" + IMAGE + "), log at close in "
                + home.resolve("minio.log");
    }

    @Override
    public synchronized void close() {
        try {
            if (container.getContainerId() != null) {
                Files.writeString(home.resolve("minio.log"), container.getLogs(), StandardCharsets.UTF_8);
            }
        } catch (IOException | RuntimeException e) {
            // the log is for a post-mortem; removing the container matters more
        } finally {
            container.stop();
        }
    }

    /** MinIO's readiness probe answers 200 once it serves requests. */
    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!ready()) {
            if (!container.isRunning()) {
                throw new IllegalStateException("MinIO container exited; its log:\n" + container.getLogs());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("MinIO did not get ready on " + endpoint() + " within " + START_TIMEOUT
                        + "; " + describe());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private boolean ready() {
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create(endpoint() + "/minio/health/ready").toURL()
                    .openConnection();
            http.setConnectTimeout(500);
            http.setReadTimeout(1000);
            try {
                return http.getResponseCode() == 200;
            } finally {
                http.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }
}
