package io.yubin.testing.backends;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DockerProbeTest {

    private static final Path HOME = Path.of("/home/dev");

    @Test
    void nothingPointsAtAnEngineWithoutDockerHostSocketOrConfiguration() {
        assertThat(DockerProbe.hintsAtEngine(Map.of(), HOME, "Linux", p -> false)).isFalse();
        assertThat(DockerProbe.hintsAtEngine(Map.of("DOCKER_HOST", " "), HOME, "Linux", p -> false)).isFalse();
    }

    @Test
    void dockerHostPointsAtAnEngine() {
        assertThat(DockerProbe.hintsAtEngine(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375"), HOME, "Linux", p -> false))
                .isTrue();
    }

    @Test
    void aKnownSocketOrTheTestcontainersConfigurationPointsAtAnEngine() {
        for (Path p : Set.of(Path.of("/var/run/docker.sock"), HOME.resolve(".docker/run/docker.sock"),
                HOME.resolve(".docker/desktop/docker.sock"), HOME.resolve(".rd/docker.sock"),
                HOME.resolve(".testcontainers.properties"))) {
            assertThat(DockerProbe.hintsAtEngine(Map.of(), HOME, "Mac OS X", p::equals)).as(p.toString()).isTrue();
        }
        assertThat(DockerProbe.hintsAtEngine(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), HOME, "Linux",
                Path.of("/run/user/1000/docker.sock")::equals)).isTrue();
    }

    @Test
    void onWindowsTestcontainersDecides() {
        assertThat(DockerProbe.hintsAtEngine(Map.of(), HOME, "Windows 11", p -> false)).isTrue();
    }
}
