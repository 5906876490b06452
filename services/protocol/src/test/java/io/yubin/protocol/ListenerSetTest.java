package io.yubin.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The listener set every protocol shares: ports on several event loops, the PROXY header, the per-IP cap. */
class ListenerSetTest {

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    private final Vertx vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
    private final PemKeyCertOptions certificate = SelfSignedCertificate.create("localhost").keyCertOptions();
    private final List<ListenerSet.Port> ports = List.of(new ListenerSet.Port("plain", 0, false),
            new ListenerSet.Port("tls", 0, true));
    private ListenerSet listeners;

    @AfterEach
    void stop() throws Exception {
        if (listeners != null) {
            listeners.close().await(10, TimeUnit.SECONDS);
        }
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private ListenerSet start(boolean proxyProtocol, Listening listening, int maxPerIp, Handler<Accepted> handler)
            throws Exception {
        return start(ports, proxyProtocol, listening, maxPerIp, handler);
    }

    private ListenerSet start(List<ListenerSet.Port> ports, boolean proxyProtocol, Listening listening, int maxPerIp,
            Handler<Accepted> handler) throws Exception {
        listeners = ListenerSet.start(vertx, new ListenerSet.Options("127.0.0.1", ports, certificate, proxyProtocol,
                listening, maxPerIp, "NO too many\r\n", ip -> "NO not you " + ip + "\r\n"), handler)
                .await(20, TimeUnit.SECONDS);
        return listeners;
    }

    /** Greets with what the connection is, and gives its slot back when it closes. */
    private static Handler<Accepted> describing(Set<String> threads) {
        return accepted -> {
            threads.add(Thread.currentThread().getName());
            accepted.socket().closeHandler(v -> accepted.release());
            accepted.socket().write("HI " + accepted.listener() + " from " + accepted.clientAddress() + " tls "
                    + accepted.implicitTls() + " starttls " + (accepted.startTls() != null) + "\r\n");
        };
    }

    @Test
    void aPortThatIsTakenIsNamedInTheFailure() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            List<ListenerSet.Port> wanted = List.of(new ListenerSet.Port("plain", 0, false),
                    new ListenerSet.Port("tls", taken.getLocalPort(), true));
            assertThatThrownBy(() -> start(wanted, false, new Listening(1, Duration.ofSeconds(10)), 0, describing(
                    ConcurrentHashMap.newKeySet()))).isInstanceOf(java.net.BindException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1 port " + taken.getLocalPort()
                            + " (tls): ");
        }
    }

    @Test
    void servesEveryPortFromEveryEventLoop() throws Exception {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        ListenerSet set = start(false, new Listening(2, Duration.ofSeconds(10)), 0, describing(threads));
        int port = set.actualPort("plain");
        assertThat(port).isPositive().isNotEqualTo(set.actualPort("tls"));
        assertThat(set.actualPort("other")).isEqualTo(-1);
        for (int i = 0; i < 6; i++) {
            try (TestClient client = TestClient.connect(port)) {
                assertThat(client.line()).isEqualTo("HI plain from 127.0.0.1 tls false starttls true");
            }
        }
        // Vert.x hands new connections to the servers sharing the port in turn.
        assertThat(threads).hasSize(2).allMatch(name -> name.startsWith("vert.x-eventloop-thread-"));
        try (TestClient client = TestClient.connectTls(set.actualPort("tls"))) {
            assertThat(client.line()).isEqualTo("HI tls from 127.0.0.1 tls true starttls false");
            assertThat(((SSLSocket) client.socket()).getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void capsConnectionsPerClientAddressOverAllPortsAndLoops() throws Exception {
        ListenerSet set = start(false, new Listening(2, Duration.ofSeconds(10)), 2,
                describing(ConcurrentHashMap.newKeySet()));
        try (TestClient a = TestClient.connect(set.actualPort("plain"));
                TestClient b = TestClient.connect(set.actualPort("plain"))) {
            assertThat(a.line()).startsWith("HI");
            assertThat(b.line()).startsWith("HI");
            try (TestClient c = TestClient.connectTls(set.actualPort("tls"))) {
                assertThat(c.line()).isEqualTo("NO too many");
                assertThat(c.closedByServer()).isTrue();
            }
        }
        // The server notices the closes asynchronously; the slots come back soon after.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (TestClient again = TestClient.connect(set.actualPort("plain"))) {
                assertThat(again.line()).startsWith("HI");
            }
        });
    }

    @Test
    void takesTheClientAddressFromAProxyV2Header() throws Exception {
        ListenerSet set = start(true, new Listening(1, Duration.ofSeconds(10)), 0,
                describing(ConcurrentHashMap.newKeySet()));
        try (TestClient client = TestClient.connect(set.actualPort("plain"))) {
            client.send(proxyV2Header());
            assertThat(client.line()).isEqualTo("HI plain from 203.0.113.7 tls false starttls true");
        }
    }

    @Test
    void closesAConnectionThatSendsNoProxyHeaderInTime() throws Exception {
        ListenerSet set = start(true, new Listening(1, Duration.ofMillis(300)), 0,
                describing(ConcurrentHashMap.newKeySet()));
        try (TestClient client = TestClient.connect(set.actualPort("plain"))) {
            // Nothing is sent: the server gives up waiting long before Vert.x's default 10 s.
            client.readTimeout(Duration.ofSeconds(5));
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void refusesAClientOutsideThePortsAllowListAndInItsDenyList() throws Exception {
        ListenerSet set = start(List.of(new ListenerSet.Port("plain", 0, false, IpPolicy.parse("127.0.0.0/8", "")),
                new ListenerSet.Port("tls", 0, true, IpPolicy.parse("", "127.0.0.1"))), false,
                new Listening(1, Duration.ofSeconds(10)), 1, describing(ConcurrentHashMap.newKeySet()));
        try (TestClient client = TestClient.connect(set.actualPort("plain"))) {
            assertThat(client.line()).isEqualTo("HI plain from 127.0.0.1 tls false starttls true");
        }
        for (int i = 0; i < 3; i++) {
            // Refused before the per-IP cap (1) counts them: each gets the refusal, not "too many".
            try (TestClient client = TestClient.connectTls(set.actualPort("tls"))) {
                assertThat(client.line()).isEqualTo("NO not you 127.0.0.1");
                assertThat(client.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void appliesTheIpPolicyToTheAddressFromTheProxyHeader() throws Exception {
        ListenerSet set = start(List.of(new ListenerSet.Port("plain", 0, false, IpPolicy.parse("127.0.0.0/8", "")),
                new ListenerSet.Port("other", 0, false, IpPolicy.parse("203.0.113.0/24", "203.0.113.7/32")),
                new ListenerSet.Port("open", 0, false, IpPolicy.parse("203.0.113.0/24", ""))), true,
                new Listening(1, Duration.ofSeconds(10)), 0, describing(ConcurrentHashMap.newKeySet()));
        // The socket comes from 127.0.0.1, which the allow list takes; the client is 203.0.113.7.
        try (TestClient client = TestClient.connect(set.actualPort("plain"))) {
            client.send(proxyV2Header());
            assertThat(client.line()).isEqualTo("NO not you 203.0.113.7");
            assertThat(client.closedByServer()).isTrue();
        }
        // Deny wins over allow.
        try (TestClient client = TestClient.connect(set.actualPort("other"))) {
            client.send(proxyV2Header());
            assertThat(client.line()).isEqualTo("NO not you 203.0.113.7");
        }
        try (TestClient client = TestClient.connect(set.actualPort("open"))) {
            client.send(proxyV2Header());
            assertThat(client.line()).isEqualTo("HI open from 203.0.113.7 tls false starttls true");
        }
    }

    @Test
    void refusesAnImplicitTlsPortWithoutACertificate() {
        assertThatThrownBy(() -> new ListenerSet.Options("127.0.0.1", ports, null, false, Listening.defaults(), 0, "",
                ip -> ""))
                .hasMessageContaining("needs a certificate");
        assertThatThrownBy(() -> new Listening(0, Duration.ofSeconds(1))).hasMessageContaining("eventLoops");
    }

    /** PROXY v2 (haproxy proxy-protocol.txt §2.2): PROXY command, TCP over IPv4, 203.0.113.7:40000. */
    static byte[] proxyV2Header() {
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
