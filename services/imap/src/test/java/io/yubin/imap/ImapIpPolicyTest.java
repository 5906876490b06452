package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.protocol.IpPolicy;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The IMAP listeners' IP policy: a refused client gets BYE as its greeting (RFC 9051 §7.1.5), then the close. */
class ImapIpPolicyTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    @Test
    void greetsARefusedClientWithByeOnBothPortsAndCloses() throws Exception {
        try (ImapHarness imap = new ImapHarness(dir, IpPolicy.parse("192.0.2.0/24", ""))) {
            try (RawImapClient client = new RawImapClient(imap.server.actualPort())) {
                assertThat(client.line())
                        .isEqualTo("* BYE Connection refused: your address [127.0.0.1] may not connect here");
                assertThat(client.line()).isNull();
            }
            try (RawImapClient client = new RawImapClient(imap.server.actualTlsPort(), imap.clientTls())) {
                assertThat(client.line()).startsWith("* BYE Connection refused");
                assertThat(client.line()).isNull();
            }
        }
    }

    @Test
    void greetsAnAllowedClientAsUsual() throws Exception {
        try (ImapHarness imap = new ImapHarness(dir, IpPolicy.parse("127.0.0.0/8, ::1", "192.0.2.0/24"))) {
            try (RawImapClient client = new RawImapClient(imap.server.actualPort())) {
                assertThat(client.line()).startsWith("* OK ");
            }
        }
    }
}
