package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.MxRecord;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.testing.bind9.Bind9Server;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DKIM keys through the shared resolver and a real BIND 9. */
class DnsKeyLookupTest {

    private static final String SOA = Bind9Server.ZONE_HEAD;

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static ExecutorService executor;
    static StubResolver resolver;
    static String publicKey;

    @BeforeAll
    static void start() throws Exception {
        publicKey = java.util.Base64.getEncoder().encodeToString(TestKeys.RSA_2048.getPublic().getEncoded());
        bind = new Bind9Server(dir, Map.of(
                "keys.test", SOA + "split._domainkey IN TXT \"v=DKIM1; k=rsa; \" \"p=" + publicKey.substring(0, 200)
                        + "\" \"" + publicKey.substring(200) + "\"\n"
                        + "nodata._domainkey IN A 192.0.2.1\n",
                "broken.test", "garbage"));
        executor = Executors.newCachedThreadPool();
        resolver = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address()))
                .withTimeout(Duration.ofSeconds(2)), executor, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        executor.shutdownNow();
        bind.close();
    }

    private static DkimKeyLookup.Answer lookup(DkimKeyLookup keys, String name) throws Exception {
        return keys.txt(name).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void joinsTheStringsOfARecordIntoOneKeyThatVerifies() throws Exception {
        DnsKeyLookup keys = new DnsKeyLookup(resolver, Duration.ofSeconds(10));

        assertThat(lookup(keys, "split._domainkey.keys.test"))
                .isEqualTo(new DkimKeyLookup.Records(List.of("v=DKIM1; k=rsa; p=" + publicKey)));

        String message = "From: a@keys.test\r\nSubject: hi\r\n\r\nbody\r\n";
        byte[] signed = bytes(ManualSignature.sign(message, TestKeys.RSA_2048.getPrivate(),
                "v=1; a=rsa-sha256; c=relaxed/relaxed; d=keys.test; s=split; h=from:subject") + message);
        List<DkimResult> results = new DkimVerifier(keys, executor, Clock.systemUTC(), DkimVerifier.Limits.DEFAULT)
                .verify(new ByteArrayInputStream(signed)).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(results).extracting(DkimResult::status).containsExactly(DkimStatus.PASS);
    }

    @Test
    void noSuchNameAndNoTxtAreNoRecord() throws Exception {
        DnsKeyLookup keys = new DnsKeyLookup(resolver, Duration.ofSeconds(10));

        assertThat(lookup(keys, "missing._domainkey.keys.test")).isEqualTo(new DkimKeyLookup.NoRecord());
        assertThat(lookup(keys, "nodata._domainkey.keys.test")).isEqualTo(new DkimKeyLookup.NoRecord());
        // a selector no DNS name can carry (a label over 63 octets)
        assertThat(lookup(keys, "x".repeat(64) + "._domainkey.keys.test")).isEqualTo(new DkimKeyLookup.NoRecord());
    }

    @Test
    void serverFailureIsATemporaryFailure() throws Exception {
        DnsKeyLookup keys = new DnsKeyLookup(resolver, Duration.ofSeconds(10));

        assertThat(lookup(keys, "sel._domainkey.broken.test")).isInstanceOf(DkimKeyLookup.TemporaryFailure.class);
    }

    @Test
    void aLookupOverTheTimeLimitIsATemporaryFailure() throws Exception {
        CompletableFuture<DnsResult<String>> never = new CompletableFuture<>();
        DnsKeyLookup keys = new DnsKeyLookup(new Silent(never), Duration.ofMillis(200));

        DkimKeyLookup.Answer answer = lookup(keys, "sel._domainkey.slow.test");

        assertThat(answer).isInstanceOf(DkimKeyLookup.TemporaryFailure.class);
        assertThat(((DkimKeyLookup.TemporaryFailure) answer).reason()).contains("200 ms");
        // the resolver's own lookup is left to its own timeout, not completed by ours
        assertThat(never).isNotDone();
    }

    /** A resolver whose TXT lookups never answer. */
    private record Silent(CompletableFuture<DnsResult<String>> txt) implements DnsResolver {
        @Override
        public CompletionStage<DnsResult<String>> txt(String name) {
            return txt;
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> a(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<DnsResult<MxRecord>> mx(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
            throw new UnsupportedOperationException();
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
