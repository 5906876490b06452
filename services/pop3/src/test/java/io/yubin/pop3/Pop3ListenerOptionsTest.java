package io.yubin.pop3;

import io.yubin.tls.ServerTls;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.MailAddress;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What the listener options change: idle timeout, PROXY protocol, plaintext authentication. */
class Pop3ListenerOptionsTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;

    @Test
    void closesAnIdleConnectionSilentlyAndFreesTheMaildrop() throws Exception {
        try (Pop3Harness pop3 = new Pop3Harness(dir, true, Duration.ofMillis(700))) {
            MailAddress alice = pop3.addUser("alice");
            pop3.deliver(alice, "Subject: idle\r\n\r\nbody\r\n");
            try (RawPop3Client idle = RawPop3Client.connect(pop3.server.actualPort())) {
                idle.line();
                idle.command("USER alice@example.test");
                assertThat(idle.command("PASS " + Pop3Harness.PASSWORD)).startsWith("+OK");
                assertThat(idle.command("DELE 1")).startsWith("+OK");
                // RFC 1939 §3: the autologout closes without a response and without removing anything.
                assertThat(idle.closedByServer(10_000)).isTrue();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String answer;
            do {
                try (RawPop3Client again = RawPop3Client.connect(pop3.server.actualPort())) {
                    again.line();
                    again.command("USER alice@example.test");
                    answer = again.command("PASS " + Pop3Harness.PASSWORD);
                }
                assertThat(System.nanoTime()).isLessThan(deadline);
            } while (answer.startsWith("-ERR [IN-USE]"));
            assertThat(answer).isEqualTo("+OK maildrop has 1 messages (23 octets)");
            assertThat(pop3.messages(alice)).hasSize(1);
        }
    }

    @Test
    void refusesAClientTheIpPolicyRefusesWithErrAndCloses() throws Exception {
        try (Pop3Harness pop3 = new Pop3Harness(dir, io.yubin.protocol.IpPolicy.parse("", "127.0.0.1, 192.0.2.0/24"))) {
            try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
                assertThat(client.line()).isEqualTo(
                        "-ERR [SYS/PERM] connection refused: your address [127.0.0.1] may not connect here");
                assertThat(client.closedByServer(10_000)).isTrue();
            }
            try (RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
                assertThat(client.line()).startsWith("-ERR [SYS/PERM] connection refused");
            }
        }
        try (Pop3Harness pop3 = new Pop3Harness(dir.resolve("open"), io.yubin.protocol.IpPolicy.parse("", "192.0.2.0/24"))) {
            try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
                assertThat(client.line()).startsWith("+OK");
            }
        }
    }

    @Test
    void allowsPlaintextAuthenticationOnlyWhenConfigured() throws Exception {
        try (Pop3Harness pop3 = new Pop3Harness(dir, true, null)) {
            pop3.addUser("alice");
            try (RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
                client.line();
                assertThat(client.command("CAPA")).startsWith("+OK");
                assertThat(client.lines()).containsExactly("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                        "USER", "SASL PLAIN", "STLS", "IMPLEMENTATION Yubin");
                assertThat(client.command("AUTH PLAIN " + Pop3ProtocolTest.plain("alice@example.test",
                        Pop3Harness.PASSWORD))).isEqualTo("+OK maildrop has 0 messages (0 octets)");
            }
        }
    }

    @Test
    void takesTheClientAddressFromAProxyProtocolV2Header() throws Exception {
        try (Pop3Harness pop3 = new Pop3Harness(dir, false, null, true);
                RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.send(proxyV2Header());
            assertThat(client.line()).isEqualTo(Pop3ProtocolTest.GREETING);
            assertThat(client.command("QUIT")).isEqualTo(Pop3ProtocolTest.BYE);
        }
    }

    @Test
    void withProxyProtocolOnAConnectionWithoutTheHeaderGetsNoGreeting() throws Exception {
        try (Pop3Harness pop3 = new Pop3Harness(dir, false, null, true);
                RawPop3Client client = RawPop3Client.connect(pop3.server.actualPort())) {
            client.send("CAPA\r\n");
            assertThat(client.closedByServer(15_000)).isTrue();
        }
    }

    @Test
    void offersOnlyTls12And13WithAeadCiphers() throws Exception {
        try (Pop3Harness pop3 = new Pop3Harness(dir)) {
            try (RawPop3Client client = RawPop3Client.connectTls(pop3.server.actualTlsPort(), pop3.clientTls())) {
                assertThat(client.line()).isEqualTo(Pop3ProtocolTest.GREETING);
                javax.net.ssl.SSLSession session = ((javax.net.ssl.SSLSocket) client.socket()).getSession();
                assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
                assertThat(ServerTls.CIPHER_SUITES).contains(session.getCipherSuite());
            }
            for (String cbc : List.of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
                    "TLS_RSA_WITH_AES_128_GCM_SHA256")) {
                javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) pop3.clientTls().getSocketFactory()
                        .createSocket("127.0.0.1", pop3.server.actualTlsPort());
                try (socket) {
                    socket.setSoTimeout(10_000);
                    socket.setEnabledProtocols(new String[] {"TLSv1.2"});
                    socket.setEnabledCipherSuites(new String[] {cbc});
                    assertThatThrownBy(socket::startHandshake).as(cbc).isInstanceOf(javax.net.ssl.SSLException.class);
                }
            }
        }
    }

    @Test
    void aClientResumesItsTlsSessionOnTheTlsPortAndAfterStls() throws Exception {
        // A reconnecting client skips the full handshake: TLS 1.3 by its session ticket, 1.2 by session ID.
        try (Pop3Harness pop3 = new Pop3Harness(dir)) {
            for (String protocol : new String[] {"-tls1_3", "-tls1_2"}) {
                assertThat(io.yubin.testing.vertx.OpenSslClient.resumes(pop3.server.actualTlsPort(), "localhost", null,
                        protocol)).as(protocol).isTrue();
                assertThat(io.yubin.testing.vertx.OpenSslClient.resumes(pop3.server.actualPort(), "localhost", "pop3",
                        protocol)).as(protocol + " after STLS").isTrue();
            }
        }
    }

    @Test
    void aClientsRenegotiationIsRefusedAfterStlsAndOnTheTlsPort() throws Exception {
        try (Pop3Harness pop3 = new Pop3Harness(dir)) {
            assertThat(io.yubin.testing.vertx.OpenSslClient.renegotiate(pop3.server.actualTlsPort(), "localhost", null))
                    .contains("RENEGOTIATING").contains("alert handshake failure");
            assertThat(io.yubin.testing.vertx.OpenSslClient.renegotiate(pop3.server.actualPort(), "localhost", "pop3"))
                    .contains("RENEGOTIATING").contains("alert handshake failure");
        }
    }

    @Test
    void rejectsInconsistentOptions() {
        assertThatThrownBy(() -> new Pop3Server.Options("h", "127.0.0.1", 0, 0, null, false, false, null))
                .hasMessageContaining("certificate");
        assertThatThrownBy(() -> new Pop3Server.Options("h", "127.0.0.1", -1, -1, null, false, false, null))
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> new Pop3Server.Options("h", "127.0.0.1", 70000, -1, null, false, false, null))
                .hasMessageContaining("ports");
        assertThatThrownBy(() -> new Pop3Server.Options("h", "127.0.0.1", 0, -1, null, false, false, Duration.ZERO))
                .hasMessageContaining("idle timeout");
        assertThat(new Pop3Server.Options("h", "127.0.0.1", 0, -1, null, false, false, null).idleTimeout())
                .isEqualTo(Duration.ofMinutes(10));
    }

    /** PROXY v2 (haproxy proxy-protocol.txt §2.2): PROXY command, TCP over IPv4, 203.0.113.7:40000. */
    private static byte[] proxyV2Header() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        out.write(0x21);
        out.write(0x11);
        out.writeBytes(new byte[] {0x00, 0x0C});
        out.writeBytes(new byte[] {(byte) 203, 0, 113, 7});
        out.writeBytes(new byte[] {127, 0, 0, 1});
        out.writeBytes(new byte[] {(byte) 0x9C, 0x40});
        out.writeBytes(new byte[] {0x00, 0x6E});
        return out.toByteArray();
    }
}
