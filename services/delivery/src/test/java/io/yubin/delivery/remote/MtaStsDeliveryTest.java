package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.vertx.core.Vertx;
import io.yubin.delivery.mtasts.MtaStsPolicies;
import io.yubin.delivery.mtasts.MtaStsTrust;
import io.yubin.delivery.mtasts.PolicyFetcher;
import io.yubin.delivery.mtasts.TestCa;
import io.yubin.delivery.tlsrpt.TlsReportPolicy;
import io.yubin.delivery.tlsrpt.TlsResultType;
import io.yubin.delivery.tlsrpt.TlsResults;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outbound MTA-STS (RFC 8461) with real parts: BIND 9 serves the {@code _mta-sts} TXT, MX and A
 * records; an HTTPS server on 127.0.0.4 serves the policies with a certificate of a CA made here,
 * which the client trusts by configuration only; Postfix on 127.0.0.2 is the MX of sts.test with a
 * certificate of that CA for mx.sts.test, Postfix on 127.0.0.5 the MX of bad.test with a self-signed
 * certificate. Each test sets the policies it needs and starts with an empty policy cache.
 */
class MtaStsDeliveryTest {

    static final String STS_ZONE = """
            $TTL 300
            @ IN SOA ns.sts.test. hostmaster.sts.test. 1 3600 600 86400 60
            @ IN NS ns.sts.test.
            ns IN A 127.0.0.1
            @ IN MX 10 mx.sts.test.
            mx IN A 127.0.0.2
            mta-sts IN A 127.0.0.4
            _mta-sts IN TXT "v=STSv1; id=20261206a;"
            """;
    static final String BAD_ZONE = """
            $TTL 300
            @ IN SOA ns.bad.test. hostmaster.bad.test. 1 3600 600 86400 60
            @ IN NS ns.bad.test.
            ns IN A 127.0.0.1
            @ IN MX 10 mx.bad.test.
            mx IN A 127.0.0.5
            mta-sts IN A 127.0.0.4
            _mta-sts IN TXT "other text"
            _mta-sts IN TXT "v=STSv1; id=20261206b;"
            """;

    /** Its MX is Postfix on 127.0.0.2, whose certificate (valid, of the trusted CA) names mx.sts.test only. */
    static final String ALIAS_ZONE = """
            $TTL 300
            @ IN SOA ns.alias.test. hostmaster.alias.test. 1 3600 600 86400 60
            @ IN NS ns.alias.test.
            ns IN A 127.0.0.1
            @ IN MX 10 mx.alias.test.
            mx IN A 127.0.0.2
            mta-sts IN A 127.0.0.4
            _mta-sts IN TXT "v=STSv1; id=20261206c;"
            """;

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static PostfixPeer sts;
    static PostfixPeer bad;
    static ExecutorService dnsExecutor;
    static StubResolver dns;
    static Vertx vertx;
    static TrustManagerFactory trust;
    static TestCa.Issued policyCertificate;
    static SmtpClient client;
    static HttpsServer https;
    static PolicyFetcher fetcher;
    /** What the client's sessions counted for the TLS reports (RFC 8460); emptied before each test. */
    static final TlsResults tlsResults = TlsResults.counting(Clock.systemUTC());
    /** The policy text served for each host name. */
    static final Map<String, String> policies = new ConcurrentHashMap<>();

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = new TestCa("Yubin MTA-STS test CA");
        trust = MtaStsTrust.load(ca.writeCertificate(dir.resolve("ca.pem")));
        TestCa.Issued mx = ca.issue("mx.sts.test");
        policyCertificate = ca.issue("mta-sts.sts.test", "mta-sts.bad.test", "mta-sts.alias.test");
        bind = new Bind9Server(Files.createDirectories(dir.resolve("dns")), Map.of("sts.test", STS_ZONE,
                "bad.test", BAD_ZONE, "alias.test", ALIAS_ZONE));
        int port = freePort();
        sts = new PostfixPeer("127.0.0.2", port, "sts.test", List.of("bob", "carol", "dave"),
                mx.writeChain(dir.resolve("mx-chain.pem")), mx.writeKey(dir.resolve("mx-key.pem")));
        bad = new PostfixPeer("127.0.0.5", port, "bad.test", List.of("erin", "frank"));
        https = policyServer();
        dnsExecutor = Executors.newCachedThreadPool();
        dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), dnsExecutor,
                Clock.systemUTC());
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        client = new SmtpClient(vertx, RemoteSettings.defaults("out.yubin.test").withPort(port)
                .withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(30))), trust, null, tlsResults);
        fetcher = new PolicyFetcher(vertx, dns, trust, https.getAddress().getPort(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() throws Exception {
        if (fetcher != null) {
            fetcher.close();
        }
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        if (https != null) {
            https.stop(0);
        }
        for (AutoCloseable closing : new AutoCloseable[] {sts, bad, bind}) {
            if (closing != null) {
                closing.close();
            }
        }
        if (dnsExecutor != null) {
            dnsExecutor.shutdownNow();
        }
    }

    /** An HTTPS server on 127.0.0.4 serving {@link #policies} by the request's host name. */
    static HttpsServer policyServer() throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.4", 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(policyCertificate.serverContext()));
        server.createContext("/.well-known/mta-sts.txt", exchange -> {
            String host = exchange.getRequestHeaders().getFirst("Host").replaceFirst(":\\d+$", "");
            String policy = policies.get(host);
            if (policy == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                byte[] text = policy.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(200, text.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(text);
                }
            }
            exchange.close();
        });
        server.start();
        return server;
    }

    /** A port free on 127.0.0.2 and 127.0.0.5, the two Postfix peers. */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket two = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"));
                    ServerSocket five = new ServerSocket(two.getLocalPort(), 1, InetAddress.getByName("127.0.0.5"))) {
                return two.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no port free on both 127.0.0.2 and 127.0.0.5");
    }

    static String policy(String mode, String... mx) {
        StringBuilder text = new StringBuilder("version: STSv1\r\nmode: " + mode + "\r\n");
        for (String pattern : mx) {
            text.append("mx: ").append(pattern).append("\r\n");
        }
        return text.append("max_age: 86400\r\n").toString();
    }

    static RemoteDelivery delivery(PolicyFetcher policyFetcher) {
        return new RemoteDelivery(new MxResolver(dns, AddressOrder.IPV4_ONLY, new SecureRandom()), client,
                DomainConnections.unlimited(), new MtaStsPolicies(dns, policyFetcher, Clock.systemUTC(), tlsResults));
    }

    @BeforeEach
    void forgetTlsResults() {
        tlsResults.take(LocalDate.now(ZoneOffset.UTC));
    }

    /** The one policy of {@code domain} counted today, and what it counted. */
    static Map.Entry<TlsReportPolicy, TlsResults.Summary> counted(String domain) {
        List<Map.Entry<TlsReportPolicy, TlsResults.Summary>> found = tlsResults.today().entrySet().stream()
                .filter(e -> e.getKey().domain().equals(domain)).toList();
        assertThat(found).as("policies counted for " + domain + ": " + tlsResults.today()).hasSize(1);
        return found.get(0);
    }

    static TlsResults.Failure onlyFailure(TlsResults.Summary summary) {
        assertThat(summary.successes()).isZero();
        assertThat(summary.failures()).hasSize(1);
        assertThat(summary.failures().values()).containsExactly(1L);
        return summary.failures().keySet().iterator().next();
    }

    static RecipientResult send(RemoteDelivery delivery, String recipient, String subject) throws Exception {
        byte[] body = ("From: alice@yubin.test\r\nTo: " + recipient + "\r\nSubject: " + subject + "\r\n\r\nhello\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        OutboundMessage message = new OutboundMessage(MailAddress.parse("alice@yubin.test"), body.length,
                Envelope.BodyType.SEVEN_BIT, false, () -> CompletableFuture.completedFuture(new ByteArrayInputStream(body)));
        List<RecipientResult> results = delivery.deliver(message, List.of(MailAddress.parse(recipient)))
                .toCompletableFuture().get(120, TimeUnit.SECONDS);
        return results.get(0);
    }

    static String stored(PostfixPeer peer, String user) throws IOException {
        return new String(peer.messages(user).get(0), StandardCharsets.UTF_8);
    }

    @Test
    void enforceDeliversToAnMxMatchingTheWildcardWithAValidCertificate() throws Exception {
        policies.put("mta-sts.sts.test", policy("enforce", "*.sts.test"));

        RecipientResult result = send(delivery(fetcher), "bob@sts.test", "enforced");

        assertThat(result.status()).as(result.describe()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(result.remoteMta()).isEqualTo("mx.sts.test [127.0.0.2]");
        await().atMost(Duration.ofSeconds(60)).until(() -> sts.messages("bob").size() == 1);
        assertThat(stored(sts, "bob")).contains("Subject: enforced", "with ESMTPS");
        Map.Entry<TlsReportPolicy, TlsResults.Summary> counted = counted("sts.test");
        assertThat(counted.getKey()).isEqualTo(TlsReportPolicy.sts("sts.test",
                List.of("version: STSv1", "mode: enforce", "mx: *.sts.test", "max_age: 86400"), List.of("*.sts.test")));
        assertThat(counted.getValue()).isEqualTo(new TlsResults.Summary(1, Map.of()));
    }

    @Test
    void enforceDefersWithoutConnectingWhenNoMxMatchesThePolicy() throws Exception {
        policies.put("mta-sts.sts.test", policy("enforce", "mx.elsewhere.test", "*.mx.sts.test"));

        RecipientResult result = send(delivery(fetcher), "carol@sts.test", "not allowed");

        assertThat(result.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(result.reply()).startsWith("451 4.7.5 MTA-STS: no MX host of sts.test ([mx.sts.test])");
        assertThat(result.remoteMta()).as("no host was contacted").isNull();
        assertThat(sts.messages("carol")).isEmpty();
        assertThat(onlyFailure(counted("sts.test").getValue())).isEqualTo(new TlsResults.Failure(
                TlsResultType.VALIDATION_FAILURE, "mx.sts.test", null, "the MX host matches no mx of the policy"));
    }

    @Test
    void enforceDefersWhenTheMxCertificateDoesNotValidate() throws Exception {
        policies.put("mta-sts.bad.test", policy("enforce", "mx.bad.test"));

        RecipientResult result = send(delivery(fetcher), "erin@bad.test", "bad certificate");

        assertThat(result.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(result.reply()).startsWith("451 4.7.5 MTA-STS: TLS with mx.bad.test [127.0.0.5] failed");
        assertThat(bad.log()).contains("connect from");
        assertThat(bad.messages("erin")).isEmpty();
        Map.Entry<TlsReportPolicy, TlsResults.Summary> counted = counted("bad.test");
        assertThat(counted.getKey().type()).isEqualTo(TlsReportPolicy.Type.STS);
        TlsResults.Failure failure = onlyFailure(counted.getValue());
        assertThat(failure.type()).isEqualTo(TlsResultType.CERTIFICATE_NOT_TRUSTED);
        assertThat(failure.receivingMx()).isEqualTo("mx.bad.test");
        assertThat(failure.receivingIp()).isEqualTo("127.0.0.5");
    }

    @Test
    void enforceDefersWhenTheMxCertificateNamesAnotherHost() throws Exception {
        policies.put("mta-sts.alias.test", policy("enforce", "mx.alias.test"));

        RecipientResult result = send(delivery(fetcher), "bob@alias.test", "wrong name");

        // Without the host name check the session would go on, and Postfix refuse the recipient.
        assertThat(result.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(result.reply()).startsWith("451 4.7.5 MTA-STS: TLS with mx.alias.test [127.0.0.2] failed")
                .contains("mx.alias.test");
        assertThat(onlyFailure(counted("alias.test").getValue()).type()).isEqualTo(TlsResultType.CERTIFICATE_HOST_MISMATCH);
    }

    @Test
    void testingModeDeliversDespiteTheCertificateFailure() throws Exception {
        policies.put("mta-sts.bad.test", policy("testing", "mx.bad.test"));

        RecipientResult result = send(delivery(fetcher), "frank@bad.test", "testing mode");

        assertThat(result.status()).as(result.describe()).isEqualTo(DeliveryStatus.DELIVERED);
        await().atMost(Duration.ofSeconds(60)).until(() -> bad.messages("frank").size() == 1);
        assertThat(stored(bad, "frank")).contains("Subject: testing mode", "with ESMTPS");
        // Testing mode is what reports are for: the certificate that would have failed is counted.
        Map.Entry<TlsReportPolicy, TlsResults.Summary> counted = counted("bad.test");
        assertThat(counted.getKey().strings()).contains("mode: testing");
        assertThat(onlyFailure(counted.getValue()).type()).isEqualTo(TlsResultType.CERTIFICATE_NOT_TRUSTED);
    }

    @Test
    void aCachedPolicyStaysInForceWhenItsHttpsServerIsGone() throws Exception {
        HttpsServer own = policyServer();
        try (PolicyFetcher ownFetcher = new PolicyFetcher(vertx, dns, trust, own.getAddress().getPort(),
                Duration.ofSeconds(10))) {
            policies.put("mta-sts.sts.test", policy("enforce", "mx.elsewhere.test"));
            RemoteDelivery cached = delivery(ownFetcher);
            assertThat(send(cached, "dave@sts.test", "first").reply()).startsWith("451 4.7.5 MTA-STS: no MX host");

            own.stop(0);

            assertThat(send(cached, "dave@sts.test", "second").reply()).startsWith("451 4.7.5 MTA-STS: no MX host");
            // Without the cache there is no policy to be had now, and the same message goes out.
            RecipientResult uncached = send(delivery(ownFetcher), "dave@sts.test", "third");
            assertThat(uncached.status()).as(uncached.describe()).isEqualTo(DeliveryStatus.DELIVERED);
            await().atMost(Duration.ofSeconds(60)).until(() -> sts.messages("dave").size() == 1);
            assertThat(stored(sts, "dave")).contains("Subject: third");
            // The policy that could not be had, and the session held to no policy.
            assertThat(tlsResults.today()).containsEntry(TlsReportPolicy.none("sts.test"), new TlsResults.Summary(1, Map.of()));
            assertThat(tlsResults.today().get(TlsReportPolicy.sts("sts.test", List.of(), List.of())).failures().keySet())
                    .singleElement().satisfies(f -> assertThat(f.type()).isEqualTo(TlsResultType.STS_POLICY_FETCH_ERROR));
        } finally {
            own.stop(0);
        }
    }
}
