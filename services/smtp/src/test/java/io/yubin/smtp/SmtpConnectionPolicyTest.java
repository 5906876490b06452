package io.yubin.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.dns.StubResolver;
import io.yubin.protocol.IpPolicy;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may connect to the SMTP listeners: IP policies per listener (on the address from the PROXY
 * header) and DNS blocklists on the MX port, asked of a real BIND 9.
 */
@ExtendWith(BlockedThreadWatch.class)
class SmtpConnectionPolicyTest {

    private static final byte[] LISTED_V4 = {(byte) 203, 0, 113, 7};
    private static final byte[] REFUSED_QUERY_V4 = {(byte) 203, 0, 113, 8};
    private static final byte[] CLEAN_V4 = {(byte) 198, 51, 100, 1};
    /** 2001:db8::7 */
    private static final byte[] LISTED_V6 = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};

    @TempDir
    static Path named;
    static LocalDns localDns;
    static StubResolver dns;

    @TempDir
    Path dir;
    TestServer t;

    @BeforeAll
    static void startDns() throws Exception {
        String soa = Bind9Server.ZONE_HEAD;
        localDns = new LocalDns(named, Map.of(
                // RFC 5782 §2.1: 127.0.0.2 means listed; 127.255.255.254 is a list refusing the query.
                "bl.test", soa + "7.113.0.203 IN A 127.0.0.2\n7.113.0.203 IN TXT \"listed\"\n"
                        + "8.113.0.203 IN A 127.255.255.254\n"
                        + "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2 IN A 127.0.0.3\n",
                "other.test", soa));
        dns = localDns.resolver;
    }

    @AfterAll
    static void stopDns() throws Exception {
        localDns.close();
    }

    @AfterEach
    void stop() throws Exception {
        if (t != null) {
            t.close();
        }
    }

    private static String refused(SmtpTestClient c) throws Exception {
        String reply = c.reply();
        assertThat(c.closedByServer()).as("closed after " + reply).isTrue();
        return reply;
    }

    @Test
    void refusesAClientTheListenersIpPolicyRefusesWith554AndCloses() throws Exception {
        t = new TestServer(dir, false, Map.of(
                SmtpServer.Mode.MX, IpPolicy.parse("", "127.0.0.0/8"),
                SmtpServer.Mode.SUBMISSION, IpPolicy.parse("192.0.2.0/24, 2001:db8::/32", "")), null);
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.MX)) {
            assertThat(refused(c)).isEqualTo("554 5.7.1 Connection refused: your address [127.0.0.1] may not connect here");
        }
        try (SmtpTestClient c = t.connect(SmtpServer.Mode.SUBMISSION)) {
            assertThat(refused(c)).startsWith("554 5.7.1 ");
        }
        // No policy on submissions: open.
        try (SmtpTestClient c = SmtpTestClient.connectTls(t.port(SmtpServer.Mode.SUBMISSIONS))) {
            assertThat(c.reply()).startsWith("220 mx.example.org");
        }
    }

    @Test
    void appliesTheIpPolicyToTheAddressFromTheProxyHeader() throws Exception {
        t = new TestServer(dir, true, Map.of(SmtpServer.Mode.MX, IpPolicy.parse("127.0.0.0/8, 198.51.100.0/24", "")),
                null);
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), proxy(LISTED_V4))) {
            assertThat(refused(c)).contains("[203.0.113.7]");
        }
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), proxy(CLEAN_V4))) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("QUIT")).startsWith("221");
        }
    }

    @Test
    void refusesAClientOnADnsBlocklistAtTheMxPortNamingTheList() throws Exception {
        t = new TestServer(dir, true, Map.of(), new DnsBlocklists(dns, List.of("other.test", "BL.test.")));
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), proxy(LISTED_V4))) {
            assertThat(refused(c))
                    .isEqualTo("554 5.7.1 Service unavailable; client [203.0.113.7] blocked using bl.test");
        }
        // RFC 5782 §2.4: IPv6 as 32 reversed nibbles.
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), proxyV6(LISTED_V6))) {
            assertThat(refused(c)).startsWith("554 5.7.1 Service unavailable; client [2001:db8:")
                    .endsWith("] blocked using bl.test");
        }
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), proxy(CLEAN_V4))) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.ehlo()).startsWith("250");
        }
        // An answer outside 127.0.0.0/8 minus 127.255.255.0/24 is not a listing.
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), proxy(REFUSED_QUERY_V4))) {
            assertThat(c.reply()).startsWith("220 ");
        }
        // Submission never asks the lists.
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.SUBMISSION), proxy(LISTED_V4))) {
            assertThat(c.reply()).startsWith("220 ");
        }
    }

    @Test
    void aBlocklistThatCannotBeAskedListsNobody() throws Exception {
        // BIND serves no zone broken.test and does not recurse: REFUSED, a temporary error.
        t = new TestServer(dir, true, Map.of(), new DnsBlocklists(dns, List.of("broken.test")));
        try (SmtpTestClient c = SmtpTestClient.connect(t.port(SmtpServer.Mode.MX), proxy(LISTED_V4))) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.ehlo()).startsWith("250");
        }
    }

    private static byte[] proxy(byte[] source) {
        return SmtpScriptTest.proxyV2(source, new byte[] {127, 0, 0, 1}, 40000, 25);
    }

    /** PROXY protocol v2 (haproxy proxy-protocol.txt §2.2), PROXY command, TCP over IPv6. */
    private static byte[] proxyV6(byte[] source) {
        ByteBuffer b = ByteBuffer.allocate(16 + 36);
        b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        b.put((byte) 0x21).put((byte) 0x21).putShort((short) 36);
        b.put(source).put(new byte[15]).put((byte) 1).putShort((short) 40000).putShort((short) 25);
        return b.array();
    }
}
