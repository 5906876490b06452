package io.yubin.mailauth.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.testing.bind9.Bind9Server;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StubResolver} against a real DNS server: BIND 9 serving zones written here. */
class StubResolverTest {

    static final String EXAMPLE = """
            $TTL 300
            @ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
            @ IN NS ns
            ns IN A 127.0.0.1
            www IN A 192.0.2.1
            www IN A 192.0.2.2
            www IN AAAA 2001:db8::1
            mapped IN AAAA ::ffff:192.0.2.9
            @ IN MX 10 mx1
            @ IN MX 20 mx2.other.test.
            nullmx IN MX 0 .
            @ IN TXT "v=spf1 " "ip4:192.0.2.0/24 -all"
            @ IN TXT "second record"
            octets IN TXT "caf\\233"
            alias IN CNAME www
            alias2 IN CNAME alias
            loop1 IN CNAME loop2
            loop2 IN CNAME loop1
            out IN CNAME www.other.test.
            away IN CNAME www.nowhere.test.
            macro\\032space IN A 192.0.2.7
            short 5 IN A 192.0.2.5
            """ + String.join("\n", bigTxt()) + "\n";
    static final String OTHER = """
            $TTL 300
            @ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
            @ IN NS ns.example.test.
            www IN A 198.51.100.1
            """;
    static final String REVERSE4 = """
            $TTL 300
            @ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
            @ IN NS ns.example.test.
            1 IN PTR www.example.test.
            1 IN PTR alias.example.test.
            """;
    static final String REVERSE6 = """
            $TTL 300
            @ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60
            @ IN NS ns.example.test.
            1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR www.example.test.
            """;

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static ExecutorService executor;

    @BeforeAll
    static void start() throws Exception {
        bind = new Bind9Server(dir, Map.of("example.test", EXAMPLE, "other.test", OTHER,
                "2.0.192.in-addr.arpa", REVERSE4, "8.b.d.0.1.0.0.2.ip6.arpa", REVERSE6, "broken.test", "garbage"));
        executor = Executors.newCachedThreadPool();
    }

    @AfterAll
    static void stop() throws Exception {
        bind.close();
        executor.shutdownNow();
    }

    private static List<String> bigTxt() {
        return java.util.stream.IntStream.range(0, 8)
                .mapToObj(i -> "big IN TXT \"" + String.valueOf((char) ('a' + i)).repeat(250) + "\"").toList();
    }

    private StubResolver resolver(MutableClock clock) {
        return new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), executor, clock);
    }

    private static <T> DnsResult<T> get(CompletionStage<DnsResult<T>> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void answersEachRecordType() throws Exception {
        StubResolver dns = resolver(new MutableClock());
        assertThat(get(dns.a("www.example.test")).records())
                .containsExactlyInAnyOrder(InetAddress.getByName("192.0.2.1"), InetAddress.getByName("192.0.2.2"));
        assertThat(get(dns.aaaa("www.example.test")).records()).containsExactly(InetAddress.getByName("2001:db8::1"));
        assertThat(get(dns.mx("example.test")).records())
                .containsExactlyInAnyOrder(new MxRecord(10, "mx1.example.test"), new MxRecord(20, "mx2.other.test"));
        assertThat(get(dns.mx("nullmx.example.test")).records()).singleElement()
                .satisfies(mx -> assertThat(mx.isNullMx()).isTrue());
        assertThat(get(dns.ptr(InetAddress.getByName("192.0.2.1"))).records())
                .containsExactlyInAnyOrder("www.example.test", "alias.example.test");
        assertThat(get(dns.ptr(InetAddress.getByName("2001:db8::1"))).records()).containsExactly("www.example.test");
    }

    @Test
    void joinsTheStringsOfATxtRecordAndKeepsEveryOctet() throws Exception {
        StubResolver dns = resolver(new MutableClock());
        assertThat(get(dns.txt("example.test.")).records())
                .containsExactlyInAnyOrder("v=spf1 ip4:192.0.2.0/24 -all", "second record");
        assertThat(get(dns.txt("octets.example.test")).records()).containsExactly("caf\u00e9");
    }

    @Test
    void keepsAnIpv4MappedAaaaAnIpv6Address() throws Exception {
        InetAddress mapped = get(resolver(new MutableClock()).aaaa("mapped.example.test")).records().get(0);
        assertThat(mapped.getAddress()).hasSize(16);
    }

    @Test
    void asksForNamesWithAnyPrintableOctet() throws Exception {
        assertThat(get(resolver(new MutableClock()).a("macro space.example.test")).records())
                .containsExactly(InetAddress.getByName("192.0.2.7"));
    }

    @Test
    void tellsNxdomainFromNoData() throws Exception {
        StubResolver dns = resolver(new MutableClock());
        assertThat(get(dns.a("nothing.example.test"))).isEqualTo(new DnsResult.NxDomain<>());
        assertThat(get(dns.aaaa("ns.example.test"))).isEqualTo(new DnsResult.NoData<>());
        assertThat(get(dns.ptr(InetAddress.getByName("192.0.2.99")))).isEqualTo(new DnsResult.NxDomain<>());
        assertThat(get(dns.a("nothing.example.test")).isVoid()).isTrue();
    }

    @Test
    void followsCnamesWithinAndAcrossZones() throws Exception {
        StubResolver dns = resolver(new MutableClock());
        assertThat(get(dns.a("alias2.example.test")).records()).hasSize(2);
        assertThat(get(dns.a("out.example.test")).records()).containsExactly(InetAddress.getByName("198.51.100.1"));
        assertThat(get(dns.aaaa("alias.example.test")).records()).containsExactly(InetAddress.getByName("2001:db8::1"));
    }

    @Test
    void aCnameLoopIsATemporaryError() throws Exception {
        assertThat(get(resolver(new MutableClock()).a("loop1.example.test")))
                .isInstanceOf(DnsResult.TempError.class);
    }

    @Test
    void serverFailureAndRefusalAreTemporaryErrors() throws Exception {
        StubResolver dns = resolver(new MutableClock());
        DnsResult<String> servfail = get(dns.txt("broken.test"));
        assertThat(servfail).isInstanceOf(DnsResult.TempError.class);
        assertThat(((DnsResult.TempError<String>) servfail).reason()).contains("SERVFAIL");
        // a zone the server does not serve, asked without recursion: REFUSED
        assertThat(get(dns.a("www.nowhere.test"))).isInstanceOf(DnsResult.TempError.class);
        // a CNAME out of the server's zones is chased there, not taken for "no data"
        assertThat(get(dns.a("away.example.test"))).isInstanceOf(DnsResult.TempError.class);
    }

    @Test
    void aTruncatedAnswerIsAskedAgainOverTcp() throws Exception {
        List<String> big = get(resolver(new MutableClock()).txt("big.example.test")).records();
        assertThat(big).hasSize(8).allSatisfy(text -> assertThat(text).hasSize(250));
    }

    @Test
    void aSilentServerIsATemporaryErrorWithinTheTimeLimitAndNeverBlocksTheCaller() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            StubResolver dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort())))
                    .withTimeout(Duration.ofMillis(500)), executor, new MutableClock());
            CompletionStage<DnsResult<InetAddress>> lookup = dns.a("www.example.test");
            assertThat(lookup.toCompletableFuture().isDone()).isFalse();
            DnsResult<InetAddress> result = get(lookup);
            assertThat(result).isInstanceOf(DnsResult.TempError.class);
            assertThat(((DnsResult.TempError<InetAddress>) result).reason()).isNotBlank();
        }
    }

    @Test
    void asksTheNextServerWhenTheFirstIsSilent() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            StubResolver dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), bind.address())),
                    executor, new MutableClock());
            assertThat(get(dns.a("www.example.test")).records()).hasSize(2);
        }
    }

    @Test
    void keepsAnswersForTheirTtlAndNegativeAnswersForTheSoaMinimum(@TempDir Path own) throws Exception {
        MutableClock clock = new MutableClock();
        StubResolver dns;
        StubResolver capped;
        try (Bind9Server server = new Bind9Server(own, Map.of("example.test", EXAMPLE))) {
            DnsSettings settings = DnsSettings.DEFAULT.withServers(List.of(server.address()))
                    .withTimeout(Duration.ofMillis(500));
            dns = new StubResolver(settings, executor, clock);
            capped = new StubResolver(new DnsSettings(settings.servers(), settings.timeout(), 100,
                    Duration.ofSeconds(10), Duration.ofSeconds(5)), executor, clock);
            for (StubResolver r : List.of(dns, capped)) {
                assertThat(get(r.a("www.example.test")).records()).hasSize(2);
                assertThat(get(r.a("short.example.test")).records()).hasSize(1);
                assertThat(get(r.a("nothing.example.test"))).isInstanceOf(DnsResult.NxDomain.class);
                assertThat(get(r.aaaa("ns.example.test"))).isInstanceOf(DnsResult.NoData.class);
            }
        }
        // the server is gone: from here on only the cache answers
        clock.advance(Duration.ofSeconds(4));
        assertThat(get(dns.a("short.example.test")).records()).hasSize(1);
        assertThat(get(capped.a("nothing.example.test"))).isInstanceOf(DnsResult.NxDomain.class);
        clock.advance(Duration.ofSeconds(2));
        // TTL 5 s is over; the cap of 5 s on negative answers too
        assertThat(get(dns.a("short.example.test"))).isInstanceOf(DnsResult.TempError.class);
        assertThat(get(capped.a("nothing.example.test"))).isInstanceOf(DnsResult.TempError.class);
        assertThat(get(capped.a("www.example.test")).records()).hasSize(2);
        clock.advance(Duration.ofSeconds(5));
        // the cap of 10 s on positive answers
        assertThat(get(capped.a("www.example.test"))).isInstanceOf(DnsResult.TempError.class);
        clock.advance(Duration.ofSeconds(48));
        // 59 s: the SOA's negative TTL (min(TTL 300, MINIMUM 60), RFC 2308 §5) still holds
        assertThat(get(dns.a("nothing.example.test"))).isInstanceOf(DnsResult.NxDomain.class);
        assertThat(get(dns.aaaa("ns.example.test"))).isInstanceOf(DnsResult.NoData.class);
        clock.advance(Duration.ofSeconds(2));
        assertThat(get(dns.a("nothing.example.test"))).isInstanceOf(DnsResult.TempError.class);
        assertThat(get(dns.aaaa("ns.example.test"))).isInstanceOf(DnsResult.TempError.class);
        assertThat(get(dns.a("www.example.test")).records()).hasSize(2);
        clock.advance(Duration.ofSeconds(240));
        // 301 s: past the TTL of 300
        assertThat(get(dns.a("www.example.test"))).isInstanceOf(DnsResult.TempError.class);
    }

    @Test
    void refusesNamesDnsCannotCarry() {
        StubResolver dns = resolver(new MutableClock());
        assertThatThrownBy(() -> get(dns.a("a..example.test"))).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> get(dns.txt("x".repeat(64) + ".example.test")))
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }
}
