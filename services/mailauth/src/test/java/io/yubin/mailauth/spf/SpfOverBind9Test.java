package io.yubin.mailauth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.testing.bind9.Bind9Server;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPF end to end over the production resolver and a real DNS server (BIND 9). */
class SpfOverBind9Test {

    private static final String SOA = """
            $TTL 300
            @ IN SOA ns.spf.test. hostmaster.spf.test. 1 3600 600 86400 60
            @ IN NS ns.spf.test.
            """;

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static ExecutorService executor;
    static SpfVerifier spf;

    @BeforeAll
    static void start() throws Exception {
        bind = new Bind9Server(dir, Map.of(
                "spf.test", SOA + """
                        ns IN A 127.0.0.1
                        @ IN TXT "v=spf1 ip4:192.0.2.10 mx include:_spf.partner.test " "-exists:%{ir}.bl.spf.test ptr:trusted.spf.test ~all exp=why.spf.test"
                        @ IN TXT "google-site-verification=not-an-spf-record"
                        @ IN MX 10 mx
                        mx IN A 192.0.2.20
                        mx IN TXT "v=spf1 a -all"
                        why IN TXT "%{i} is listed, see https://spf.test/why?s=%{S}"
                        7.113.0.203.bl IN A 127.0.0.2
                        host.trusted IN A 203.0.113.9
                        """,
                "partner.test", SOA + "_spf IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n",
                "113.0.203.in-addr.arpa", SOA + "9 IN PTR host.trusted.spf.test.\n",
                "nospf.test", SOA + "@ IN A 192.0.2.1\n",
                "broken.test", "garbage"));
        executor = Executors.newCachedThreadPool();
        spf = new SpfVerifier(new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), executor,
                Clock.systemUTC()), Clock.systemUTC(), SpfVerifier.Settings.DEFAULT);
    }

    @AfterAll
    static void stop() throws Exception {
        bind.close();
        executor.shutdownNow();
    }

    private static SpfResult check(String client, String mailFrom) throws Exception {
        return spf.check(InetAddress.getByName(client), "client.example", mailFrom).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void authorizesByEachMechanismOfARealRecord() throws Exception {
        assertThat(check("192.0.2.10", "user@spf.test").reason())
                .isEqualTo("matched ip4:192.0.2.10 in the SPF record of spf.test");
        assertThat(check("192.0.2.20", "user@spf.test").reason()).isEqualTo("matched mx in the SPF record of spf.test");
        assertThat(check("198.51.100.5", "user@spf.test").reason())
                .isEqualTo("matched include:_spf.partner.test in the SPF record of spf.test");
        assertThat(check("203.0.113.9", "user@spf.test").reason())
                .isEqualTo("matched ptr:trusted.spf.test in the SPF record of spf.test");
        for (String client : List.of("192.0.2.10", "192.0.2.20", "198.51.100.5", "203.0.113.9")) {
            assertThat(check(client, "user@spf.test").status()).as(client).isEqualTo(SpfStatus.PASS);
        }
    }

    @Test
    void failsWithTheDomainsExplanation() throws Exception {
        SpfResult fail = check("203.0.113.7", "user@spf.test");
        assertThat(fail.status()).isEqualTo(SpfStatus.FAIL);
        assertThat(fail.explanation()).contains("203.0.113.7 is listed, see https://spf.test/why?s=user%40spf.test");
        assertThat(check("203.0.113.8", "user@spf.test").status()).isEqualTo(SpfStatus.SOFTFAIL);
    }

    @Test
    void tellsNoRecordFromAServerFailure() throws Exception {
        assertThat(check("192.0.2.1", "user@nospf.test").status()).isEqualTo(SpfStatus.NONE);
        assertThat(check("192.0.2.1", "user@nothing.nospf.test").status()).isEqualTo(SpfStatus.NONE);
        SpfResult servfail = check("192.0.2.1", "user@broken.test");
        assertThat(servfail.status()).isEqualTo(SpfStatus.TEMPERROR);
        assertThat(servfail.reason()).contains("SERVFAIL");
    }

    @Test
    void checksTheHeloIdentity() throws Exception {
        SpfResult helo = spf.checkHelo(InetAddress.getByName("192.0.2.20"), "mx.spf.test").toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(helo.status()).isEqualTo(SpfStatus.PASS);
        assertThat(helo.identity()).isEqualTo(SpfIdentity.HELO);
    }
}
