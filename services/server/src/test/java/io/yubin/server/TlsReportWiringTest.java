package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.server.config.ConfigLoader;
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
        ServerConfig config = ConfigLoader.load(null, Map.ofEntries(
                Map.entry("YUBIN_DATA_DIR", dir.resolve("data").toString()),
                Map.entry("YUBIN_ADMIN_PORT", "0"),
                Map.entry("YUBIN_SMTP_MX_PORT", "0"),
                Map.entry("YUBIN_SMTP_SUBMISSION_PORT", "0"),
                Map.entry("YUBIN_SMTP_SUBMISSIONS_PORT", "0"),
                Map.entry("YUBIN_IMAP_PORT", "0"),
                Map.entry("YUBIN_IMAP_TLS_PORT", "0"),
                Map.entry("YUBIN_POP3_PORT", "0"),
                Map.entry("YUBIN_POP3_TLS_PORT", "0"),
                Map.entry("YUBIN_SMTP_HOSTNAME", "127.0.0.1"),
                Map.entry("YUBIN_CLUSTER_NAME", "tlsrpt-wiring-" + ProcessHandle.current().pid()),
                Map.entry("YUBIN_DELIVERY_REMOTE_ENABLED", "true")));
        assertThat(config.delivery().remote().tlsReports().enabled()).isTrue();
        try (EmbeddedServer server = EmbeddedServer.start(config)) {
            assertThat(server.config().smtp().hostname()).isEqualTo("127.0.0.1");
        }
    }
}
