package io.yubin.testing.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.testing.backends.TestBackends.Backend;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class TestBackendsTest {

    private static final BooleanSupplier DOCKER = () -> true;
    private static final BooleanSupplier NO_DOCKER = () -> false;

    @Test
    void autoIsTheDefaultAndPicksContainersOnlyWhenDockerAnswers() {
        assertThat(TestBackends.choose(null, null, DOCKER)).isEqualTo(Backend.CONTAINER);
        assertThat(TestBackends.choose(null, null, NO_DOCKER)).isEqualTo(Backend.PROCESS);
        assertThat(TestBackends.choose("", "  ", NO_DOCKER)).isEqualTo(Backend.PROCESS);
        assertThat(TestBackends.choose("auto", null, DOCKER)).isEqualTo(Backend.CONTAINER);
        assertThat(TestBackends.choose(null, "AUTO", NO_DOCKER)).isEqualTo(Backend.PROCESS);
    }

    @Test
    void processNeverAsksForDocker() {
        AtomicInteger asked = new AtomicInteger();
        BooleanSupplier counting = () -> {
            asked.incrementAndGet();
            return true;
        };
        assertThat(TestBackends.choose("process", null, counting)).isEqualTo(Backend.PROCESS);
        assertThat(TestBackends.choose(null, " Process ", counting)).isEqualTo(Backend.PROCESS);
        assertThat(asked).hasValue(0);
    }

    @Test
    void containerWithDockerIsContainer() {
        assertThat(TestBackends.choose("container", null, DOCKER)).isEqualTo(Backend.CONTAINER);
        assertThat(TestBackends.choose(null, "container", DOCKER)).isEqualTo(Backend.CONTAINER);
    }

    @Test
    void containerWithoutDockerFailsInsteadOfFallingBack() {
        assertThatThrownBy(() -> TestBackends.choose("container", null, NO_DOCKER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("yubin.test.backends")
                .hasMessageContaining("no Docker engine");
        assertThatThrownBy(() -> TestBackends.choose(null, "container", NO_DOCKER))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void thePropertyWinsOverTheEnvironment() {
        assertThat(TestBackends.choose("process", "container", NO_DOCKER)).isEqualTo(Backend.PROCESS);
        assertThat(TestBackends.choose("container", "process", DOCKER)).isEqualTo(Backend.CONTAINER);
        assertThat(TestBackends.choose("auto", "process", DOCKER)).isEqualTo(Backend.CONTAINER);
    }

    @Test
    void anUnknownValueIsRejectedWithItsSource() {
        assertThatThrownBy(() -> TestBackends.choose("docker", null, DOCKER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("-Dyubin.test.backends=docker: expected auto, process or container");
        assertThatThrownBy(() -> TestBackends.choose(null, "podman", DOCKER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("YUBIN_TEST_BACKENDS=podman: expected auto, process or container");
    }

    @Test
    void theSelectionOfThisJvmIsMadeOnceAndIsAValidBackend() {
        Backend first = TestBackends.selected();
        assertThat(TestBackends.selected()).isSameAs(first);
    }
}
