package io.yubin.mailauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.dkim.DkimVerifier;
import io.yubin.mailauth.dkim.DnsKeyLookup;
import io.yubin.mailauth.dmarc.DmarcVerifier;
import io.yubin.mailauth.dmarc.OrganizationalDomains;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.MxRecord;
import io.yubin.mailauth.spf.SpfChecks;
import io.yubin.mailauth.spf.SpfIdentity;
import io.yubin.mailauth.spf.SpfResult;
import io.yubin.mailauth.spf.SpfStatus;
import io.yubin.mailauth.spf.SpfVerifier;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The composition of SPF, DKIM and DMARC for one message, its verdict and its time limit. */
class InboundAuthenticatorTest {

    private final ExecutorService blocking = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        blocking.shutdownNow();
    }

    /** TXT answers from a map; names in none of them never answer. */
    private record Zone(Map<String, String> txt) implements DnsResolver {
        @Override
        public CompletionStage<DnsResult<String>> txt(String name) {
            if (name.contains("._domainkey.")) {
                return new CompletableFuture<>();
            }
            String text = txt.get(name);
            return CompletableFuture.completedFuture(text == null ? new DnsResult.NxDomain<>()
                    : new DnsResult.Answer<>(List.of(text)));
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> a(String name) {
            return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
            return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
        }

        @Override
        public CompletionStage<DnsResult<MxRecord>> mx(String name) {
            return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
        }

        @Override
        public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
            return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
        }
    }

    private InboundAuthenticator authenticator(Duration messageLimit) throws Exception {
        Zone zone = new Zone(Map.of("_dmarc.reject.test", "v=DMARC1; p=reject",
                "_dmarc.quarantine.test", "v=DMARC1; p=quarantine"));
        OrganizationalDomains psl = OrganizationalDomains.read(new StringReader("test\n"));
        return new InboundAuthenticator(new SpfVerifier(zone, Clock.systemUTC(), SpfVerifier.Settings.DEFAULT),
                new DkimVerifier(new DnsKeyLookup(zone, Duration.ofMinutes(5)), blocking, Clock.systemUTC(),
                        DkimVerifier.Limits.DEFAULT),
                new DmarcVerifier(zone, psl, () -> 0, Duration.ofSeconds(5)), blocking,
                new InboundAuthenticator.Settings("mx.example.net", messageLimit));
    }

    private static CompletionStage<SpfChecks> spf(SpfStatus status, String domain) {
        return CompletableFuture.completedFuture(new SpfChecks(new SpfResult(status, SpfIdentity.MAILFROM,
                "x@" + domain, domain, Optional.empty(), "test"), null));
    }

    private static InboundAuthenticator.Verdict verify(InboundAuthenticator auth, CompletionStage<SpfChecks> spf,
            String message) throws Exception {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        return auth.verify(spf, () -> new ByteArrayInputStream(bytes)).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void dmarcPoliciesBecomeActions() throws Exception {
        InboundAuthenticator auth = authenticator(Duration.ofSeconds(10));

        InboundAuthenticator.Verdict reject = verify(auth, spf(SpfStatus.FAIL, "reject.test"),
                "From: a@reject.test\r\n\r\nbody\r\n");
        InboundAuthenticator.Verdict quarantine = verify(auth, spf(SpfStatus.SOFTFAIL, "quarantine.test"),
                "From: a@quarantine.test\r\n\r\nbody\r\n");
        InboundAuthenticator.Verdict pass = verify(auth, spf(SpfStatus.PASS, "reject.test"),
                "From: a@reject.test\r\n\r\nbody\r\n");

        assertThat(reject.action()).isEqualTo(InboundAuthenticator.Action.REJECT);
        assertThat(quarantine.action()).isEqualTo(InboundAuthenticator.Action.QUARANTINE);
        assertThat(quarantine.header()).startsWith("Authentication-Results: mx.example.net;\r\n")
                .contains("policy.dmarc=quarantine").endsWith("\r\n");
        assertThat(pass.action()).isEqualTo(InboundAuthenticator.Action.ACCEPT);
        assertThat(pass.header()).contains("dmarc=pass").contains("dkim=none");
    }

    @Test
    void pastTheMessageTimeLimitWhatIsNotKnownIsTemperrorAndTheMessageAccepted() throws Exception {
        InboundAuthenticator auth = authenticator(Duration.ofMillis(300));

        // the key lookup of this signature never answers (its own limit is 5 minutes); SPF failed, so
        // DMARC would reject without the time limit, and verify() would not return within get()'s 30 s
        InboundAuthenticator.Verdict verdict = verify(auth, spf(SpfStatus.FAIL, "reject.test"),
                "DKIM-Signature: v=1; a=rsa-sha256; d=reject.test; s=sel; h=from; bh=AAAA; b=AAAA\r\n"
                        + "From: a@reject.test\r\n\r\nbody\r\n");

        assertThat(verdict.action()).isEqualTo(InboundAuthenticator.Action.ACCEPT);
        assertThat(verdict.header()).contains("spf=fail").contains("dkim=temperror").contains("dmarc=temperror")
                .contains("header.from=reject.test").contains("policy.dmarc=none");
    }

    @Test
    void aNullSenderChecksTheHeloIdentity() throws Exception {
        InboundAuthenticator auth = authenticator(Duration.ofSeconds(10));

        SpfChecks nullSender = auth.spf(InetAddress.getByName("192.0.2.1"), "mta.reject.test", null)
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
        SpfResult unknownClient = auth.spf(null, "mta.reject.test", "a@reject.test").toCompletableFuture().get()
                .identity();

        assertThat(nullSender.identity().identity()).isEqualTo(SpfIdentity.HELO);
        assertThat(nullSender.identity().domain()).isEqualTo("mta.reject.test");
        assertThat(nullSender.helo()).as("the HELO identity is the one checked").isNull();
        assertThat(unknownClient.status()).isEqualTo(SpfStatus.NONE);
    }

    @Test
    void withAMailFromTheHeloIdentityIsCheckedBesideItAndReported() throws Exception {
        InboundAuthenticator auth = authenticator(Duration.ofSeconds(10));

        SpfChecks both = auth.spf(InetAddress.getByName("192.0.2.1"), "mta.reject.test", "a@reject.test")
                .toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(both.identity().identity()).isEqualTo(SpfIdentity.MAILFROM);
        assertThat(both.identity().domain()).isEqualTo("reject.test");
        assertThat(both.helo().identity()).isEqualTo(SpfIdentity.HELO);
        assertThat(both.helo().domain()).isEqualTo("mta.reject.test");
        InboundAuthenticator.Verdict verdict = verify(auth, CompletableFuture.completedFuture(both),
                "From: a@reject.test\r\n\r\nbody\r\n");
        assertThat(verdict.header()).contains("smtp.mailfrom=a@reject.test", "smtp.helo=mta.reject.test");
        assertThat(verdict.spf()).as("DMARC aligns the MAIL FROM identity").isEqualTo(both.identity());
    }
}
