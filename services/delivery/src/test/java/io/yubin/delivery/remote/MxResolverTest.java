package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.testing.bind9.Bind9Server;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MX selection against a real BIND 9 serving the zones below. */
class MxResolverTest {

    static final String ZONE = """
            $TTL 300
            @ IN SOA ns.mx.test. hostmaster.mx.test. 1 3600 600 86400 60
            @ IN NS ns.mx.test.
            ns IN A 127.0.0.1
            ordered IN MX 20 c.hosts.mx.test.
            ordered IN MX 10 a.hosts.mx.test.
            ordered IN MX 10 b.hosts.mx.test.
            a.hosts IN A 192.0.2.1
            a.hosts IN AAAA 2001:db8::1
            b.hosts IN A 192.0.2.2
            c.hosts IN A 192.0.2.3
            nullmx IN MX 0 .
            implicit IN A 192.0.2.10
            implicit IN AAAA 2001:db8::10
            viacname IN MX 10 alias.mx.test.
            alias IN CNAME a.hosts.mx.test.
            literal IN MX 10 192.0.2.77.
            literal2 IN MX 10 192.0.2.77.
            literal2 IN MX 20 c.hosts.mx.test.
            noaddress IN MX 10 nothing.mx.test.
            empty IN TXT "no MX, no address"
            brokenhost IN MX 10 mx.broken.test.
            """;

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static ExecutorService executor;
    static StubResolver dns;

    @BeforeAll
    static void start() throws Exception {
        bind = new Bind9Server(dir, Map.of("mx.test", ZONE, "broken.test", "garbage"));
        executor = Executors.newCachedThreadPool();
        dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), executor, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        bind.close();
        executor.shutdownNow();
    }

    private static MxResult resolve(String domain, AddressOrder order) throws Exception {
        return new MxResolver(dns, order, new Random()).resolve(Domain.parse(domain))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static List<MxHost> hosts(String domain, AddressOrder order) throws Exception {
        MxResult result = resolve(domain, order);
        assertThat(result).isInstanceOf(MxResult.Hosts.class);
        return ((MxResult.Hosts) result).hosts();
    }

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void ordersByPreferenceAndShufflesEqualPreferences() throws Exception {
        Set<String> firsts = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            List<String> names = hosts("ordered.mx.test", AddressOrder.IPV6_FIRST).stream().map(MxHost::name).toList();
            assertThat(names).hasSize(3);
            assertThat(names.subList(0, 2)).containsExactlyInAnyOrder("a.hosts.mx.test", "b.hosts.mx.test");
            assertThat(names.get(2)).isEqualTo("c.hosts.mx.test");
            firsts.add(names.get(0));
        }
        // 40 fair shuffles give the same first host every time with probability 2^-39.
        assertThat(firsts).containsExactlyInAnyOrder("a.hosts.mx.test", "b.hosts.mx.test");
    }

    @Test
    void expandsEachHostToItsAddressesInTheConfiguredOrder() throws Exception {
        MxHost a = hosts("ordered.mx.test", AddressOrder.IPV6_FIRST).stream()
                .filter(h -> h.name().startsWith("a.")).findFirst().orElseThrow();
        assertThat(a.preference()).isEqualTo(10);
        assertThat(a.addresses()).containsExactly(ip("2001:db8::1"), ip("192.0.2.1"));
        MxHost a4 = hosts("ordered.mx.test", AddressOrder.IPV4_FIRST).stream()
                .filter(h -> h.name().startsWith("a.")).findFirst().orElseThrow();
        assertThat(a4.addresses()).containsExactly(ip("192.0.2.1"), ip("2001:db8::1"));
        assertThat(hosts("implicit.mx.test", AddressOrder.IPV4_ONLY).get(0).addresses())
                .containsExactly(ip("192.0.2.10"));
        assertThat(hosts("implicit.mx.test", AddressOrder.IPV6_ONLY).get(0).addresses())
                .containsExactly(ip("2001:db8::10"));
    }

    @Test
    void nullMxIsAPermanentFailure() throws Exception {
        assertThat(resolve("nullmx.mx.test", AddressOrder.IPV6_FIRST))
                .isInstanceOfSatisfying(MxResult.PermanentFailure.class,
                        f -> assertThat(f.reply()).startsWith("556 5.1.10 "));
    }

    @Test
    void domainWithoutMxIsItsOwnImplicitMx() throws Exception {
        assertThat(hosts("implicit.mx.test", AddressOrder.IPV6_FIRST))
                .containsExactly(new MxHost("implicit.mx.test", 0, List.of(ip("2001:db8::10"), ip("192.0.2.10"))));
    }

    @Test
    void domainWithoutMxAndWithoutAddressIsAPermanentFailure() throws Exception {
        assertThat(resolve("empty.mx.test", AddressOrder.IPV6_FIRST))
                .isInstanceOfSatisfying(MxResult.PermanentFailure.class,
                        f -> assertThat(f.reply()).startsWith("550 5.1.2 "));
    }

    @Test
    void nonexistentDomainIsAPermanentFailure() throws Exception {
        assertThat(resolve("missing.mx.test", AddressOrder.IPV6_FIRST))
                .isInstanceOfSatisfying(MxResult.PermanentFailure.class,
                        f -> assertThat(f.reply()).startsWith("550 5.1.2 ").contains("does not exist"));
    }

    @Test
    void servfailIsATemporaryFailure() throws Exception {
        assertThat(resolve("any.broken.test", AddressOrder.IPV6_FIRST))
                .isInstanceOfSatisfying(MxResult.TemporaryFailure.class,
                        f -> assertThat(f.reply()).startsWith("451 4.4.3 "));
    }

    @Test
    void mxHostWhoseAddressLookupFailsTemporarilyIsATemporaryFailure() throws Exception {
        assertThat(resolve("brokenhost.mx.test", AddressOrder.IPV6_FIRST))
                .isInstanceOfSatisfying(MxResult.TemporaryFailure.class,
                        f -> assertThat(f.reply()).startsWith("451 4.4.3 ").contains("mx.broken.test"));
    }

    @Test
    void mxNamingACnameIsFollowed() throws Exception {
        assertThat(hosts("viacname.mx.test", AddressOrder.IPV6_FIRST))
                .containsExactly(new MxHost("alias.mx.test", 10, List.of(ip("2001:db8::1"), ip("192.0.2.1"))));
    }

    @Test
    void mxTargetWrittenAsAnIpAddressIsRefused() throws Exception {
        assertThat(resolve("literal.mx.test", AddressOrder.IPV6_FIRST))
                .isInstanceOfSatisfying(MxResult.PermanentFailure.class,
                        f -> assertThat(f.reply()).startsWith("550 5.4.4 ").contains("is an IP address"));
        assertThat(hosts("literal2.mx.test", AddressOrder.IPV6_FIRST)).extracting(MxHost::name)
                .containsExactly("c.hosts.mx.test");
    }

    @Test
    void mxHostWithoutAddressesIsAPermanentFailure() throws Exception {
        assertThat(resolve("noaddress.mx.test", AddressOrder.IPV6_FIRST))
                .isInstanceOfSatisfying(MxResult.PermanentFailure.class,
                        f -> assertThat(f.reply()).startsWith("550 5.4.4 ").contains("nothing.mx.test: no such host"));
    }

    @Test
    void addressLiteralDomainIsThatAddress() throws Exception {
        MxResolver resolver = new MxResolver(dns, AddressOrder.IPV6_FIRST, new Random());
        Domain v4 = MailAddress.parse("u@[192.0.2.9]").domain();
        Domain v6 = MailAddress.parse("u@[IPv6:2001:db8::9]").domain();
        assertThat(resolver.resolve(v4).toCompletableFuture().get()).isEqualTo(
                new MxResult.Hosts(List.of(new MxHost("[192.0.2.9]", 0, List.of(ip("192.0.2.9"))))));
        assertThat(((MxResult.Hosts) resolver.resolve(v6).toCompletableFuture().get()).hosts().get(0).addresses())
                .containsExactly(ip("2001:db8::9"));
    }
}
