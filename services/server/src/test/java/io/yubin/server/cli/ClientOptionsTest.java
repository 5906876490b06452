package io.yubin.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.server.AdminToken;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientOptionsTest {

    @TempDir
    Path workingDir;

    private static ClientOptions options(String url, String token) {
        ClientOptions options = new ClientOptions();
        options.url = url;
        options.token = token;
        return options;
    }

    @Test
    void optionsWinOverEnvironment() {
        ClientOptions.Connection c = options("http://10.0.0.1:9000", "from-option")
                .resolve(Map.of("YUBIN_ADMIN_URL", "http://10.0.0.2:9000", "YUBIN_ADMIN_TOKEN", "from-env"), workingDir);

        assertThat(c).isEqualTo(new ClientOptions.Connection(URI.create("http://10.0.0.1:9000"), "from-option"));
    }

    @Test
    void environmentWinsOverTheLocalServer() {
        ClientOptions.Connection c = options(null, null)
                .resolve(Map.of("YUBIN_ADMIN_URL", "http://10.0.0.2:9000", "YUBIN_ADMIN_TOKEN", "from-env"), workingDir);

        assertThat(c).isEqualTo(new ClientOptions.Connection(URI.create("http://10.0.0.2:9000"), "from-env"));
    }

    @Test
    void withoutOptionsOrEnvironmentUsesTheServerInTheWorkingDirectory() throws IOException {
        Files.createDirectories(workingDir.resolve("data"));
        String token = AdminToken.loadOrCreate(workingDir.resolve("data"));

        ClientOptions.Connection c = options(null, null).resolve(Map.of(), workingDir);

        assertThat(c).isEqualTo(new ClientOptions.Connection(URI.create("http://127.0.0.1:8080"), token));
    }

    @Test
    void localYamlGivesTheAdminPortAndDataDirectory() throws IOException {
        Files.writeString(workingDir.resolve("yubin.yaml"), "data-dir: state\nadmin:\n  host: 0.0.0.0\n  port: 9444\n");
        Files.createDirectories(workingDir.resolve("state"));
        String token = AdminToken.loadOrCreate(workingDir.resolve("state"));

        ClientOptions.Connection c = options(null, null).resolve(Map.of(), workingDir);

        assertThat(c).isEqualTo(new ClientOptions.Connection(URI.create("http://127.0.0.1:9444"), token));
    }

    @Test
    void missingTokenSaysHowToProvideOne() {
        assertThatThrownBy(() -> options(null, null).resolve(Map.of(), workingDir))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("no admin token: pass --token or set YUBIN_ADMIN_TOKEN")
                .hasMessageContaining("admin-token does not exist");
    }

    @Test
    void urlThatIsNotHttpIsRejected() {
        assertThatThrownBy(() -> options("ftp://example.test", "t").resolve(Map.of(), workingDir))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("must be http://HOST:PORT");
    }
}
