package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS reports on by default must not stop a server whose SMTP hostname is no domain (an address, as
 * in the cluster tests): reports are off then, with a warning, and the server starts.
 */
class TlsReportWiringTest {

    @TempDir
    Path dir;

    @Test
    void aServerNamedByAnAddressStartsWithTlsReportsOff() throws Exception {
        ServerConfig config = TestServerConfig.load(dir.resolve("data"), "tlsrpt-wiring", Map.of(
                "YUBIN_SMTP_HOSTNAME", "127.0.0.1",
                "YUBIN_DELIVERY_REMOTE_ENABLED", "true"));
        assertThat(config.delivery().remote().tlsReports().enabled()).isTrue();
        try (EmbeddedServer server = EmbeddedServer.start(config)) {
            assertThat(server.config().smtp().hostname()).isEqualTo("127.0.0.1");
        }
    }
}
