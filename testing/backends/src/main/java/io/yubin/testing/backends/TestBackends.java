package io.yubin.testing.backends;

import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The one place that decides how the tests run their backends (Cassandra, S3): as local processes
 * (a forked Cassandra JVM, S3Proxy) or as Testcontainers containers (Cassandra, MinIO). The choice
 * is system property {@value #PROPERTY}, else environment variable {@value #ENV}, else {@code auto}:
 *
 * <ul>
 *   <li>{@code process}: local processes, whatever is installed;
 *   <li>{@code container}: containers; without a reachable Docker engine this fails, it never
 *       falls back;
 *   <li>{@code auto}: containers when Testcontainers finds a Docker engine, else processes.
 * </ul>
 *
 * The decision is made once per JVM and logged.
 */
public final class TestBackends {

    public static final String PROPERTY = "yubin.test.backends";
    public static final String ENV = "YUBIN_TEST_BACKENDS";

    /** What was asked for. */
    public enum Choice {
        AUTO, PROCESS, CONTAINER;

        /** {@code null} or blank is {@link #AUTO}; anything else must name a choice (any case). */
        static Choice parse(String value, String source) {
            if (value == null || value.isBlank()) {
                return AUTO;
            }
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + "=" + value + ": expected auto, process or container");
            }
        }
    }

    /** How the backends run. */
    public enum Backend { PROCESS, CONTAINER }

    private static volatile Backend selected;

    private TestBackends() {
    }

    /** The backend kind for this JVM, decided on the first call from the property, the environment and Docker. */
    public static Backend selected() {
        Backend b = selected;
        if (b == null) {
            synchronized (TestBackends.class) {
                b = selected;
                if (b == null) {
                    b = choose(System.getProperty(PROPERTY), System.getenv(ENV), DockerProbe::dockerAvailable);
                    System.getLogger(TestBackends.class.getName()).log(System.Logger.Level.INFO,
                            "test backends: {0} (-D{1}={2}, {3}={4})", b, PROPERTY,
                            String.valueOf(System.getProperty(PROPERTY, "")), ENV, String.valueOf(System.getenv(ENV)));
                    selected = b;
                }
            }
        }
        return b;
    }

    /**
     * The decision itself: the property wins over the environment; {@code docker} is asked only for
     * {@code auto} and {@code container}.
     */
    static Backend choose(String property, String env, BooleanSupplier docker) {
        Choice choice = property != null && !property.isBlank()
                ? Choice.parse(property, "-D" + PROPERTY)
                : Choice.parse(env, ENV);
        return switch (choice) {
            case PROCESS -> Backend.PROCESS;
            case AUTO -> docker.getAsBoolean() ? Backend.CONTAINER : Backend.PROCESS;
            case CONTAINER -> {
                if (!docker.getAsBoolean()) {
                    throw new IllegalStateException(PROPERTY + "/" + ENV + " asks for containers, but Testcontainers "
                            + "finds no Docker engine (DOCKER_HOST, /var/run/docker.sock, ~/.testcontainers.properties); "
                            + "start one, or choose process or auto");
                }
                yield Backend.CONTAINER;
            }
        };
    }
}
