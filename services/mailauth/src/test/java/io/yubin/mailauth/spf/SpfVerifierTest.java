package io.yubin.mailauth.spf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.MxRecord;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link SpfVerifier}'s own API over zone data in memory (the real-server run is {@link SpfOverBind9Test}). */
class SpfVerifierTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static final String ZONES = """
            mail.example.com:
              - SPF: v=spf1 a -all
              - A: 192.0.2.1
            example.com:
              - SPF: v=spf1 ip4:192.0.2.0/25 -all exp=why.example.com
            why.example.com:
              - TXT: "%{c} at %{r} %{t} for %{s} (%{h})"
            xn--bcher-kva.example:
              - SPF: v=spf1 ip4:192.0.2.0/24 -all
            v6.example:
              - SPF: v=spf1 ip6:2001:db8::/64 ~all exp=why.example.com
            void.example:
              - SPF: v=spf1 a:nothing.void.example -all
            """;

    private static SpfVerifier verifier(SpfVerifier.Settings settings) throws Exception {
        JsonNode zones = new YAMLMapper().readTree(ZONES);
        return new SpfVerifier(new ZoneDataResolver(zones), CLOCK, settings);
    }

    private static SpfResult get(CompletionStage<SpfResult> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void checksTheHeloIdentity() throws Exception {
        SpfVerifier spf = verifier(SpfVerifier.Settings.DEFAULT);
        SpfResult pass = get(spf.checkHelo(ip("192.0.2.1"), "mail.example.com"));
        assertThat(pass).isEqualTo(new SpfResult(SpfStatus.PASS, SpfIdentity.HELO, "mail.example.com",
                "mail.example.com", Optional.empty(), "matched a in the SPF record of mail.example.com"));
        assertThat(pass.identity().property()).isEqualTo("smtp.helo");
        SpfResult fail = get(spf.checkHelo(ip("192.0.2.9"), "mail.example.com"));
        assertThat(fail.status()).isEqualTo(SpfStatus.FAIL);
        assertThat(fail.explanation()).contains("192.0.2.9 is not one of mail.example.com's designated mail servers (SPF)");
    }

    @Test
    void aHeloThatIsNoDomainGivesNone() throws Exception {
        SpfVerifier spf = verifier(SpfVerifier.Settings.DEFAULT);
        for (String helo : new String[] {"[192.0.2.1]", "localhost", "", "a..example.com", "x y.example.com"}) {
            assertThat(get(spf.checkHelo(ip("192.0.2.1"), helo)).status()).as(helo).isEqualTo(SpfStatus.NONE);
        }
    }

    @Test
    void aNullReversePathChecksPostmasterAtTheHeloDomain() throws Exception {
        SpfVerifier spf = verifier(SpfVerifier.Settings.DEFAULT);
        for (String nullPath : new String[] {null, "", "<>"}) {
            SpfResult result = get(spf.check(ip("192.0.2.1"), "mail.example.com", nullPath));
            assertThat(result.status()).isEqualTo(SpfStatus.PASS);
            assertThat(result.identity()).isEqualTo(SpfIdentity.MAILFROM);
            assertThat(result.sender()).isEqualTo("postmaster@mail.example.com");
        }
    }

    @Test
    void checksTheMailFromDomainAndExpandsTheExplanation() throws Exception {
        SpfVerifier spf = verifier(new SpfVerifier.Settings(2, Duration.ofSeconds(20), "mx.yubin.example", "none"));
        SpfResult pass = get(spf.check(ip("192.0.2.100"), "client.example.net", "user@example.com"));
        assertThat(pass.status()).isEqualTo(SpfStatus.PASS);
        assertThat(pass.identity().property()).isEqualTo("smtp.mailfrom");
        assertThat(pass.sender()).isEqualTo("user@example.com");
        assertThat(pass.domain()).isEqualTo("example.com");
        SpfResult fail = get(spf.check(ip("192.0.2.200"), "client.example.net", "user@example.com"));
        assertThat(fail.status()).isEqualTo(SpfStatus.FAIL);
        assertThat(fail.reason()).isEqualTo("matched -all in the SPF record of example.com");
        assertThat(fail.explanation())
                .contains("192.0.2.200 at mx.yubin.example 1767225600 for user@example.com (client.example.net)");
    }

    @Test
    void explainsOnlyAFail() throws Exception {
        SpfResult softfail = get(verifier(SpfVerifier.Settings.DEFAULT).check(ip("2001:db8:1::1"), "h.example",
                "u@v6.example"));
        assertThat(softfail.status()).isEqualTo(SpfStatus.SOFTFAIL);
        assertThat(softfail.explanation()).isEmpty();
        assertThat(get(verifier(SpfVerifier.Settings.DEFAULT).check(ip("2001:db8::1"), "h.example", "u@v6.example"))
                .status()).isEqualTo(SpfStatus.PASS);
    }

    @Test
    void checksAnInternationalizedDomainByItsALabels() throws Exception {
        SpfResult result = get(verifier(SpfVerifier.Settings.DEFAULT).check(ip("192.0.2.7"), "h.example",
                "user@b\u00fccher.example"));
        assertThat(result.status()).isEqualTo(SpfStatus.PASS);
        assertThat(result.domain()).isEqualTo("xn--bcher-kva.example");
    }

    @Test
    void takesAnIpv4MappedClientForIpv4() throws Exception {
        InetAddress mapped = java.net.Inet6Address.getByAddress(null, IpAddresses.parseIpv6("::ffff:192.0.2.7"), -1);
        assertThat(get(verifier(SpfVerifier.Settings.DEFAULT).check(mapped, "h.example", "u@example.com")).status())
                .isEqualTo(SpfStatus.PASS);
    }

    @Test
    void theVoidLookupLimitIsASetting() throws Exception {
        SpfVerifier.Settings none = new SpfVerifier.Settings(0, Duration.ofSeconds(20), "unknown", "no");
        SpfResult result = get(verifier(none).check(ip("192.0.2.1"), "h.example", "u@void.example"));
        assertThat(result.status()).isEqualTo(SpfStatus.PERMERROR);
        assertThat(result.reason()).contains("void lookups");
        assertThat(get(verifier(SpfVerifier.Settings.DEFAULT).check(ip("192.0.2.1"), "h.example", "u@void.example"))
                .status()).isEqualTo(SpfStatus.FAIL);
    }

    @Test
    void evaluatesAHugeRecordWithoutNestingAFuturePerTerm() throws Exception {
        StringBuilder record = new StringBuilder("v=spf1");
        for (int i = 0; i < 5000; i++) {
            record.append(" ip4:10.").append(i / 256).append('.').append(i % 256).append(".1");
        }
        record.append(" a:mail.example.com ip4:192.0.2.1 -all");
        ObjectNode zones = JsonNodeFactory.instance.objectNode();
        zones.putArray("huge.example").addObject().put("TXT", record.toString());
        zones.putArray("mail.example.com").addObject().put("A", "192.0.2.99");
        SpfResult result = get(new SpfVerifier(new ZoneDataResolver(zones), CLOCK, SpfVerifier.Settings.DEFAULT)
                .check(ip("192.0.2.1"), "h.example", "u@huge.example"));
        assertThat(result.reason()).isEqualTo("matched ip4:192.0.2.1 in the SPF record of huge.example");
    }

    @Test
    void aCheckOverTheTimeLimitIsATemporaryError() throws Exception {
        SpfVerifier spf = new SpfVerifier(new Unanswered(), CLOCK,
                SpfVerifier.Settings.DEFAULT.withTimeLimit(Duration.ofMillis(200)));
        SpfResult result = get(spf.check(ip("192.0.2.1"), "h.example", "u@example.com"));
        assertThat(result.status()).isEqualTo(SpfStatus.TEMPERROR);
        assertThat(result.reason()).isEqualTo("no result within 200 ms");
    }

    @Test
    void aFailingResolverIsATemporaryErrorNotAFailedStage() throws Exception {
        DnsResolver broken = new Unanswered() {
            @Override
            public CompletionStage<DnsResult<String>> txt(String name) {
                return CompletableFuture.failedFuture(new IllegalStateException("resolver bug"));
            }
        };
        SpfResult result = get(new SpfVerifier(broken, CLOCK, SpfVerifier.Settings.DEFAULT)
                .check(ip("192.0.2.1"), "h.example", "u@example.com"));
        assertThat(result.status()).isEqualTo(SpfStatus.TEMPERROR);
        assertThat(result.reason()).contains("resolver bug");
    }

    /** A resolver that never answers. */
    private static class Unanswered implements DnsResolver {
        @Override
        public CompletionStage<DnsResult<String>> txt(String name) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> a(String name) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<DnsResult<MxRecord>> mx(String name) {
            return new CompletableFuture<>();
        }

        @Override
        public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
            return new CompletableFuture<>();
        }
    }
}
