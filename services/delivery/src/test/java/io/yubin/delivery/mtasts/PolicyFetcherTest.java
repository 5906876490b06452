package io.yubin.delivery.mtasts;

import io.yubin.delivery.MovingClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.vertx.core.Vertx;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PolicyFetcher} and {@link MtaStsPolicies} against a real HTTPS server on 127.0.0.4 with a
 * certificate of a CA made here; DNS answers are fixed ({@link FixedDns}).
 */
class PolicyFetcherTest {

    static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.a.test\r\nmax_age: 3600\r\n";

    @TempDir
    static Path dir;
    static Vertx vertx;
    static TrustManagerFactory trust;
    static HttpsServer https;
    static ExecutorService httpsThreads;
    static final CountDownLatch release = new CountDownLatch(1);
    /** What the server answers, per host name. */
    static final Map<String, Answer> answers = new ConcurrentHashMap<>();
    static final AtomicInteger requests = new AtomicInteger();

    final FixedDns dns = new FixedDns();

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    record Answer(int status, String type, String body, String location) {
    }

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = new TestCa("Yubin policy fetch test CA");
        trust = MtaStsTrust.load(ca.writeCertificate(dir.resolve("ca.pem")));
        TestCa.Issued certificate = ca.issue("mta-sts.a.test", "mta-sts.redirect.test", "mta-sts.html.test",
                "mta-sts.big.test", "mta-sts.slow.test", "mta-sts.bad.test");
        https = HttpsServer.create(new InetSocketAddress("127.0.0.4", 0), 10);
        https.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
        httpsThreads = Executors.newCachedThreadPool();
        https.setExecutor(httpsThreads);
        https.createContext("/.well-known/mta-sts.txt", PolicyFetcherTest::answer);
        https.start();
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
    }

    static void answer(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String host = exchange.getRequestHeaders().getFirst("Host").replaceFirst(":\\d+$", "");
        Answer answer = answers.get(host);
        if (answer == null) {
            try {
                release.await(60, TimeUnit.SECONDS); // the slow server
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.type());
        if (answer.location() != null) {
            exchange.getResponseHeaders().set("Location", answer.location());
        }
        exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        exchange.close();
    }

    @AfterAll
    static void stop() throws Exception {
        release.countDown();
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        if (https != null) {
            https.stop(0);
        }
        if (httpsThreads != null) {
            httpsThreads.shutdownNow();
        }
    }

    @BeforeEach
    void records() throws Exception {
        for (String name : List.of("a", "redirect", "html", "big", "slow", "bad", "unnamed")) {
            dns.a.put("mta-sts." + name + ".test", InetAddress.getByName("127.0.0.4"));
        }
        answers.put("mta-sts.a.test", new Answer(200, "text/plain", POLICY, null));
        answers.put("mta-sts.unnamed.test", new Answer(200, "text/plain", POLICY, null));
        answers.put("mta-sts.redirect.test", new Answer(301, "text/plain", "", "https://mta-sts.a.test/.well-known/mta-sts.txt"));
        answers.put("mta-sts.html.test", new Answer(200, "text/html", POLICY, null));
        answers.put("mta-sts.big.test", new Answer(200, "text/plain", POLICY + "x: y\n".repeat(14_000), null));
        answers.put("mta-sts.bad.test", new Answer(200, "text/plain", "version: STSv1\nmode: enforce\n", null));
    }

    PolicyFetcher fetcher(TrustManagerFactory anchors, Duration timeout) {
        return new PolicyFetcher(vertx, dns, anchors, https.getAddress().getPort(), timeout);
    }

    static MtaStsPolicy fetch(PolicyFetcher fetcher, String domain) throws Exception {
        return fetcher.fetch(domain).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static String failure(PolicyFetcher fetcher, String domain) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> fetch(fetcher, domain));
        assertThat(thrown).isInstanceOf(ExecutionException.class);
        return String.valueOf(thrown.getCause().getMessage());
    }

    @Test
    void fetchesAndParsesThePolicyOverValidatedHttps() throws Exception {
        try (PolicyFetcher fetcher = fetcher(trust, Duration.ofSeconds(10))) {
            MtaStsPolicy policy = fetch(fetcher, "A.test");

            assertThat(policy).isEqualTo(new MtaStsPolicy(MtaStsPolicy.Mode.ENFORCE, List.of("mx.a.test"),
                    Duration.ofHours(1)));
        }
    }

    @Test
    void refusesWhatTheRfcForbids() throws Exception {
        try (PolicyFetcher fetcher = fetcher(trust, Duration.ofSeconds(10))) {
            // RFC 8461 §3.3: redirects are not followed.
            assertThat(failure(fetcher, "redirect.test")).contains("HTTP status 301");
            assertThat(failure(fetcher, "html.test")).contains("media type text/html");
            assertThat(failure(fetcher, "big.test")).contains("larger than 65536");
            assertThat(failure(fetcher, "bad.test")).contains("max_age");
            assertThat(failure(fetcher, "nowhere.test")).contains("no address for mta-sts.nowhere.test");
        }
    }

    @Test
    void refusesACertificateOfAnUntrustedCaOrForAnotherName() throws Exception {
        try (PolicyFetcher jdkOnly = fetcher(MtaStsTrust.load(null), Duration.ofSeconds(10));
                PolicyFetcher configured = fetcher(trust, Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> fetch(jdkOnly, "a.test")).isInstanceOf(ExecutionException.class);
            // The server answers for mta-sts.unnamed.test, but its certificate does not name it.
            int before = requests.get();
            assertThatThrownBy(() -> fetch(configured, "unnamed.test")).isInstanceOf(ExecutionException.class);
            assertThat(requests.get()).as("no request after a failed handshake").isEqualTo(before);
        }
    }

    @Test
    void givesUpOnASlowServer() throws Exception {
        try (PolicyFetcher fetcher = fetcher(trust, Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> fetch(fetcher, "slow.test")).isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void cachesUntilMaxAgeOrANewIdAndKeepsTheCacheThroughFailures() throws Exception {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T00:00:00Z"));
        try (PolicyFetcher fetcher = fetcher(trust, Duration.ofSeconds(10))) {
            MtaStsPolicies policies = new MtaStsPolicies(dns, fetcher, clock);
            dns.txt.put("_mta-sts.a.test", new DnsResult.Answer<>(List.of("v=STSv1; id=one;")));
            int before = requests.get();

            assertThat(policy(policies, "a.test").mx()).containsExactly("mx.a.test");
            assertThat(policy(policies, "a.test").mx()).containsExactly("mx.a.test");
            assertThat(requests.get()).as("the second delivery uses the cache").isEqualTo(before + 1);

            // A new id: fetched again.
            answers.put("mta-sts.a.test", new Answer(200, "text/plain", POLICY.replace("mx.a.test", "mx2.a.test"), null));
            dns.txt.put("_mta-sts.a.test", new DnsResult.Answer<>(List.of("v=STSv1; id=two;")));
            assertThat(policy(policies, "a.test").mx()).containsExactly("mx2.a.test");
            assertThat(requests.get()).isEqualTo(before + 2);

            // DNS failing, the record gone, the server failing: the cached policy until it expires.
            dns.txt.put("_mta-sts.a.test", new DnsResult.TempError<>("timeout"));
            assertThat(policy(policies, "a.test").mx()).containsExactly("mx2.a.test");
            dns.txt.put("_mta-sts.a.test", new DnsResult.NxDomain<>());
            assertThat(policy(policies, "a.test").mx()).containsExactly("mx2.a.test");
            answers.put("mta-sts.a.test", new Answer(500, "text/plain", "", null));
            dns.txt.put("_mta-sts.a.test", new DnsResult.Answer<>(List.of("v=STSv1; id=three;")));
            assertThat(policy(policies, "a.test").mx()).containsExactly("mx2.a.test");

            clock.advance(Duration.ofHours(1));
            assertThat(policy(policies, "a.test")).as("expired, and none to be had").isNull();
        }
    }

    @Test
    void noPolicyWithoutExactlyOneValidRecord() throws Exception {
        try (PolicyFetcher fetcher = fetcher(trust, Duration.ofSeconds(10))) {
            MtaStsPolicies policies = new MtaStsPolicies(dns, fetcher, new MovingClock(Instant.parse("2026-12-06T00:00:00Z")));
            int before = requests.get();
            dns.txt.put("_mta-sts.a.test", new DnsResult.Answer<>(List.of("v=STSv1; id=one;", "v=STSv1; id=two;")));
            assertThat(policy(policies, "a.test")).isNull();
            dns.txt.put("_mta-sts.a.test", new DnsResult.Answer<>(List.of("v=STSv1; id=not-valid;")));
            assertThat(policy(policies, "a.test")).isNull();
            assertThat(requests.get()).as("nothing fetched").isEqualTo(before);
        }
    }

    static MtaStsPolicy policy(MtaStsPolicies policies, String domain) throws Exception {
        return policies.policy(domain).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
