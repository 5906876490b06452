package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code yubin serve} with ip-policy set through the environment: each listener and the admin API apply theirs. */
class IpPolicyEndToEndTest {

    @TempDir
    Path dataDir;

    @TempDir
    Path logDir;

    private ServerProcess server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyListenerAndTheAdminApiApplyTheirOwnPolicy() throws Exception {
        server = new ServerProcess(dataDir, logDir)
                .environment("YUBIN_IP_POLICY_SMTP_MX_DENY", "127.0.0.0/8")
                .environment("YUBIN_IP_POLICY_SMTP_SUBMISSION_ALLOW", "127.0.0.1/32, ::1")
                .environment("YUBIN_IP_POLICY_IMAP_ALLOW", "192.0.2.0/24")
                .environment("YUBIN_IP_POLICY_POP3_DENY", "127.0.0.1")
                .environment("YUBIN_IP_POLICY_ADMIN_ALLOW", "2001:db8::/32");
        server.start("serve.log");

        try (LineClient mx = new LineClient(new Socket(server.host(), server.mxPort()))) {
            assertThat(mx.smtpReply()).startsWith("554 5.7.1 Connection refused: your address [127.0.0.1]");
            assertThatThrownBy(mx::line).hasMessage("connection closed");
        }
        try (LineClient submission = new LineClient(new Socket(server.host(), server.submissionPort()))) {
            assertThat(submission.smtpReply()).startsWith("220 ");
        }
        try (LineClient imap = new LineClient(new Socket(server.host(), server.imapPort()))) {
            assertThat(imap.line()).startsWith("* BYE Connection refused");
        }
        try (LineClient pop3 = new LineClient(new Socket(server.host(), server.pop3Port()))) {
            assertThat(pop3.line()).startsWith("-ERR [SYS/PERM] connection refused");
        }
        assertThat(server.get("/api/v1/domains").statusCode()).isEqualTo(403);
        // The probes are not covered: start() above waited for /health/ready.
        assertThat(server.ready()).isTrue();
        assertThat(server.log()).contains("not allowed by the admin IP policy");
    }

    @Test
    void aWrongRangeStopsTheServerWithTheKeyNamed() throws IOException, InterruptedException {
        server = new ServerProcess(dataDir, logDir).environment("YUBIN_IP_POLICY_IMAP_DENY", "10.0.0.0/99");
        assertThatThrownBy(() -> server.start("serve.log")).isInstanceOf(Throwable.class);
        assertThat(server.log()).contains("ip-policy.imap.deny").contains("10.0.0.0/99");
    }
}
