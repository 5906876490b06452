package io.yubin.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveryPollerTest {

    @Test
    void readsTheCountAShellPipelinePrints(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("user1/new"));
        Files.createDirectories(dir.resolve("user2/new"));
        Files.writeString(dir.resolve("user1/new/a"), "x");
        Files.writeString(dir.resolve("user1/new/b"), "x");
        Files.writeString(dir.resolve("user2/new/c"), "x");
        Files.writeString(dir.resolve("user2/not-counted"), "x");

        long count = new DeliveryPoller("find '" + dir + "' -path '*/new/*' -type f | wc -l").count();

        assertThat(count).isEqualTo(3);
    }

    @Test
    void acceptsSurroundingWhitespaceAsWcPrintsIt() throws IOException {
        assertThat(DeliveryPoller.parseCount("     42\n")).isEqualTo(42);
    }

    @Test
    void refusesOutputThatIsNotOneNumber() {
        assertThatThrownBy(() -> DeliveryPoller.parseCount("42 files\n"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("must print one number");
    }

    @Test
    void refusesACommandThatFails() {
        assertThatThrownBy(() -> new DeliveryPoller("echo 1; exit 3").count())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exited with 3");
    }
}
