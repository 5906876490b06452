package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.testing.backends.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code yubin serve} as a separate JVM (-Xmx256m) on a given data directory, every listener on a
 * free loopback port, for tests that stop it with SIGTERM or kill it with SIGKILL.
 */
final class ServerProcess implements AutoCloseable {

    private final Path dataDir;
    private final Path logDir;
    /** The loopback address every listener binds to. */
    private final String host;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final int adminPort;
    private final int mxPort;
    private final int submissionPort;
    private final int submissionsPort;
    private final int pop3Port;
    private final int pop3TlsPort;
    private final int imapPort;
    private final int imapTlsPort;
    private Process process;
    private Path log;

    ServerProcess(Path dataDir, Path logDir) throws IOException {
        this(dataDir, logDir, "127.0.0.1", null);
    }

    /**
     * On loopback address {@code host} (e.g. 127.0.0.11), with the same ports as {@code portsOf}
     * when that is not null: a second member behind a load balancer that knows one port per listener.
     */
    ServerProcess(Path dataDir, Path logDir, String host, ServerProcess portsOf) throws IOException {
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.host = host;
        this.adminPort = portsOf == null ? freePort() : portsOf.adminPort;
        this.mxPort = portsOf == null ? freePort() : portsOf.mxPort;
        this.submissionPort = portsOf == null ? freePort() : portsOf.submissionPort;
        this.submissionsPort = portsOf == null ? freePort() : portsOf.submissionsPort;
        this.pop3Port = portsOf == null ? freePort() : portsOf.pop3Port;
        this.pop3TlsPort = portsOf == null ? freePort() : portsOf.pop3TlsPort;
        this.imapPort = portsOf == null ? freePort() : portsOf.imapPort;
        this.imapTlsPort = portsOf == null ? freePort() : portsOf.imapTlsPort;
        environment.put("YUBIN_DATA_DIR", dataDir.toString());
        environment.put("YUBIN_ADMIN_HOST", host);
        environment.put("YUBIN_ADMIN_PORT", String.valueOf(adminPort));
        environment.put("YUBIN_SMTP_HOST", host);
        environment.put("YUBIN_IMAP_HOST", host);
        environment.put("YUBIN_POP3_HOST", host);
        environment.put("YUBIN_SMTP_MX_PORT", String.valueOf(mxPort));
        environment.put("YUBIN_SMTP_SUBMISSION_PORT", String.valueOf(submissionPort));
        environment.put("YUBIN_SMTP_SUBMISSIONS_PORT", String.valueOf(submissionsPort));
        environment.put("YUBIN_IMAP_PORT", String.valueOf(imapPort));
        environment.put("YUBIN_IMAP_TLS_PORT", String.valueOf(imapTlsPort));
        environment.put("YUBIN_POP3_PORT", String.valueOf(pop3Port));
        environment.put("YUBIN_POP3_TLS_PORT", String.valueOf(pop3TlsPort));
        environment.put("YUBIN_TLS_HOSTNAME", "mail.example.test");
        environment.put("YUBIN_CLUSTER_NAME", "test-" + ProcessHandle.current().pid() + "-" + host + "-" + adminPort);
    }

    /** Sets (or overrides) one configuration variable for the next {@link #start}. */
    ServerProcess environment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** A port for a listener the server binds later (below the ephemeral range: {@link FreePorts}). */
    static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }

    /** The loopback address it listens on. */
    String host() {
        return host;
    }

    int adminPort() {
        return adminPort;
    }

    int mxPort() {
        return mxPort;
    }

    int submissionPort() {
        return submissionPort;
    }

    int submissionsPort() {
        return submissionsPort;
    }

    int imapTlsPort() {
        return imapTlsPort;
    }

    int pop3TlsPort() {
        return pop3TlsPort;
    }

    /** A client over TLS to {@code port}, trusting the server's self-signed certificate only. */
    LineClient tls(int port) throws Exception {
        return new LineClient(tlsSocket(port));
    }

    /** A TLS socket to {@code port}, trusting the server's self-signed certificate only. */
    Socket tlsSocket(int port) throws Exception {
        return trusting().getSocketFactory().createSocket(host, port);
    }

    /** TLS over a connected socket (implicit TLS through a proxy, or after STARTTLS), trusting the server's certificate. */
    Socket tlsSocket(Socket connected) throws Exception {
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) trusting().getSocketFactory()
                .createSocket(connected, host, connected.getPort(), true);
        tls.startHandshake();
        return tls;
    }

    /** A TLS context trusting the server's self-signed certificate only. */
    private SSLContext trusting() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream pem = Files.newInputStream(certificate())) {
            trust.setCertificateEntry("yubin", CertificateFactory.getInstance("X.509").generateCertificate(pem));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** The self-signed certificate the server generated on its first start. */
    Path certificate() {
        return dataDir.resolve("tls/cert.pem");
    }

    /** Starts the server and waits until /health/ready answers 200; the log goes to {@code logName}. */
    void start(String logName) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                // C1 only: a test server lives seconds to minutes, often several beside each other on two
                // cores, and C2's compilations cost more CPU than they give back (measured: the kill -9
                // harness on the embedded default 75 s -> 52 s, a member restarting under load 33 s -> 13-17 s).
                "-XX:TieredStopAtLevel=1",
                "--add-modules", "java.se",
                "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                Yubin.class.getName(), "serve"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        log = logDir.resolve(logName);
        builder.redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("YUBIN_"));
        builder.environment().putAll(environment);
        process = builder.start();
        // Generous: a member restarting next to two busy ones on two cores took 80 s once.
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(process.isAlive()).as("server exited early:%n%s", log()).isTrue();
                return ready();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("server " + logName + " not ready within 180 s (live: " + live() + "):\n" + log(), e);
        }
    }

    /** Whether /health/ready answers 200. */
    boolean ready() {
        return answers200("/health/ready");
    }

    /** Whether /health/live answers 200 (the process is up, ready or not). */
    boolean live() {
        return answers200("/health/live");
    }

    private boolean answers200(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + adminPort + path)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    int imapPort() {
        return imapPort;
    }

    int pop3Port() {
        return pop3Port;
    }

    /** Sends SIGTERM and returns at once; {@link #awaitExit} waits for the end. */
    void signalTerminate() {
        process.destroy();
    }

    /** The exit status, or fails the test when the process is still running after {@code within}. */
    int awaitExit(Duration within) throws InterruptedException {
        assertThat(process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)).as("exited within %s", within).isTrue();
        return process.exitValue();
    }

    /** SIGKILL: no shutdown hook runs. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("killed within 30 s").isTrue();
    }

    /** SIGTERM; returns the exit status. */
    int terminate() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s").isTrue();
        return process.exitValue();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    String token() throws IOException {
        return AdminToken.read(dataDir.resolve("admin-token"));
    }

    /** An authenticated GET of the admin API. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + adminPort + path))
                .header("Authorization", "Bearer " + token()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An authenticated POST of JSON to the admin API; fails the test unless it answers 2xx. */
    HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + adminPort + path))
                .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("POST %s: %s", path, response.body()).isBetween(200, 299);
        return response;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
