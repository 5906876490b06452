package io.yubin.testing.backends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Is a Docker engine reachable? Testcontainers' own check
 * ({@code DockerClientFactory.instance().isDockerAvailable()}) tries every strategy it knows; it
 * takes about 0.4 s when there is nothing, but logs an ERROR and, for an unresponsive
 * {@code DOCKER_HOST}, waits for its timeouts. So it is asked only when something points at an
 * engine: {@code DOCKER_HOST}, a Testcontainers configuration file, or a socket where Docker,
 * Docker Desktop, rootless Docker or Rancher Desktop put one. An engine elsewhere must be named
 * by {@code DOCKER_HOST} or {@code ~/.testcontainers.properties}.
 */
final class DockerProbe {

    private DockerProbe() {
    }

    static boolean dockerAvailable() {
        return hintsAtEngine(System.getenv(), Path.of(System.getProperty("user.home")),
                System.getProperty("os.name", ""), Files::exists) && testcontainersFindsEngine();
    }

    /** Whether anything points at a Docker engine; on Windows (named pipes) always, Testcontainers decides. */
    static boolean hintsAtEngine(Map<String, String> env, Path home, String osName, Predicate<Path> exists) {
        if (osName.startsWith("Windows")) {
            return true;
        }
        if (!env.getOrDefault("DOCKER_HOST", "").isBlank()) {
            return true;
        }
        String runtimeDir = env.getOrDefault("XDG_RUNTIME_DIR", "");
        List<Path> candidates = Stream.concat(
                Stream.of(home.resolve(".testcontainers.properties"),
                        Path.of("/var/run/docker.sock"),
                        home.resolve(".docker/run/docker.sock"),
                        home.resolve(".docker/desktop/docker.sock"),
                        home.resolve(".rd/docker.sock")),
                runtimeDir.isBlank() ? Stream.empty() : Stream.of(Path.of(runtimeDir, "docker.sock")))
                .toList();
        return candidates.stream().anyMatch(exists);
    }

    private static boolean testcontainersFindsEngine() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("Testcontainers is not on the test classpath: add a test dependency on "
                    + "io.yubin:yubin-testing-backends", e);
        }
    }
}
