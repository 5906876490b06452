package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.yubin.delivery.dane.DaneLookup;
import io.yubin.delivery.tlsrpt.TlsReportPolicy;
import io.yubin.delivery.tlsrpt.TlsResultType;
import io.yubin.delivery.tlsrpt.TlsResults;
import io.yubin.delivery.mtasts.MtaStsTrust;
import io.yubin.delivery.mtasts.TestCa;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * DANE for SMTP (RFC 7672) with real parts: BIND 9 serves dane.test signed by dnssec-signzone (MX,
 * A and TLSA records), plain.test unsigned, and broken.test signed with keys other than those its
 * trust anchor names (every answer bogus); the client validates with dnsjava's validating resolver
 * from the anchors made here. Postfix on 127.0.0.6 is the MX for dane.test under several host
 * names, with a certificate of a CA the client does not trust otherwise (no PKIX), which names every
 * host but mx-tb.
 */
class DaneDeliveryTest {

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static PostfixPeer peer;
    static ExecutorService dnsExecutor;
    static StubResolver dns;
    static Vertx vertx;
    static SmtpClient client;
    /** What the client counted for the TLS reports (RFC 8460); each test's host is its own TLSA policy domain. */
    static final TlsResults tlsResults = TlsResults.counting(Clock.systemUTC());
    static int port;

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = new TestCa("Yubin DANE test CA");
        TestCa.Issued mx = ca.issue("mx-ee.dane.test", "mx-ta.dane.test", "mx-wrong.dane.test", "mx-pkix.dane.test",
                "mx-bogus.dane.test", "mx-none.dane.test", "mx.plain.test");
        port = freePort();
        String leafKey = sha256(mx.certificate().getPublicKey().getEncoded());
        String caCert = sha256(ca.issue("other").ca().getEncoded());
        String tlsa = "_" + port + "._tcp.";
        Bind9Server.SignedZone dane = Bind9Server.sign(dir.resolve("keys-dane"), "dane.test", """
                $TTL 300
                @ IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 60
                @ IN NS ns.dane.test.
                ns IN A 127.0.0.1
                @ IN MX 10 mx-ee.dane.test.
                mx-ee IN A 127.0.0.6
                %1$smx-ee IN TLSA 3 1 1 %2$s
                mx-ta IN A 127.0.0.6
                %1$smx-ta IN TLSA 2 0 1 %3$s
                mx-tb IN A 127.0.0.6
                %1$smx-tb IN TLSA 2 0 1 %3$s
                mx-wrong IN A 127.0.0.6
                %1$smx-wrong IN TLSA 3 1 1 %4$s
                mx-pkix IN A 127.0.0.6
                %1$smx-pkix IN TLSA 1 1 1 %2$s
                mx-bogus IN A 127.0.0.6
                %1$smx-bogus IN TLSA 3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
                mx-none IN A 127.0.0.6
                """.formatted(tlsa, leafKey, caCert, sha256(new byte[] {1, 2, 3})));
        // A TLSA record changed after signing: its signature no longer verifies.
        String tampered = dane.text().replace("0123456789ABCDEF0123", "FEDCBA98765432100123");
        assertThat(tampered).isNotEqualTo(dane.text());
        String brokenZone = """
                $TTL 300
                @ IN SOA ns.broken.test. hostmaster.broken.test. 1 3600 600 86400 60
                @ IN NS ns.broken.test.
                ns IN A 127.0.0.1
                @ IN MX 10 mx.broken.test.
                mx IN A 127.0.0.6
                """;
        Bind9Server.SignedZone broken = Bind9Server.sign(dir.resolve("keys-broken"), "broken.test", brokenZone);
        Bind9Server.SignedZone otherKeys = Bind9Server.sign(dir.resolve("keys-broken-2"), "broken.test", brokenZone);
        bind = new Bind9Server(Files.createDirectories(dir.resolve("dns")), Map.of("dane.test", tampered,
                "broken.test", broken.text(), "plain.test", """
                $TTL 300
                @ IN SOA ns.plain.test. hostmaster.plain.test. 1 3600 600 86400 60
                @ IN NS ns.plain.test.
                ns IN A 127.0.0.1
                @ IN MX 10 mx.plain.test.
                mx IN A 127.0.0.6
                %smx IN TLSA 3 1 1 %s
                """.formatted(tlsa, sha256(new byte[] {1, 2, 3}))));
        peer = new PostfixPeer("127.0.0.6", port, "dane.test", List.of("bob", "carol", "dave", "erin", "frank",
                "grace", "heidi", "ivan", "judy", "mallory"), mx.writeChain(dir.resolve("mx-chain.pem")), mx.writeKey(dir.resolve("mx-key.pem")));
        dnsExecutor = Executors.newCachedThreadPool();
        dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address()))
                .withTrustAnchors(dane.trustAnchor() + otherKeys.trustAnchor()), dnsExecutor, Clock.systemUTC());
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        client = new SmtpClient(vertx, RemoteSettings.defaults("out.yubin.test").withPort(port)
                .withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(30))), MtaStsTrust.load(null),
                new DaneLookup(dns), tlsResults);
    }

    /** What the TLSA policy of {@code host} counted today. */
    static TlsResults.Summary countedForTlsa(String host) {
        return tlsResults.today().entrySet().stream()
                .filter(e -> e.getKey().type() == TlsReportPolicy.Type.TLSA && e.getKey().domain().equals(host))
                .map(Map.Entry::getValue).findFirst().orElseThrow(() -> new AssertionError("nothing counted for "
                        + host + ": " + tlsResults.today()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        for (AutoCloseable closing : new AutoCloseable[] {peer, bind}) {
            if (closing != null) {
                closing.close();
            }
        }
        if (dnsExecutor != null) {
            dnsExecutor.shutdownNow();
        }
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.6"))) {
            return socket.getLocalPort();
        }
    }

    static OutboundMessage message(String recipient, String subject) {
        byte[] body = ("From: alice@yubin.test\r\nTo: " + recipient + "\r\nSubject: " + subject + "\r\n\r\nhello\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        return new OutboundMessage(MailAddress.parse("alice@yubin.test"), body.length, Envelope.BodyType.SEVEN_BIT,
                false, () -> CompletableFuture.completedFuture(new ByteArrayInputStream(body)));
    }

    /** Through {@code host} (its records as DNSSEC-proven as {@code secure} says), to user@dane.test. */
    static RecipientResult sendVia(String host, boolean secure, String user, String subject) throws Exception {
        return sendVia(host, secure, user, message(user + "@dane.test", subject));
    }

    static RecipientResult sendVia(String host, boolean secure, String user, OutboundMessage message) throws Exception {
        MxHost mxHost = new MxHost(host, 10, List.of(InetAddress.getByName("127.0.0.6")), secure);
        return client.deliver(List.of(mxHost), message, List.of(MailAddress.parse(user + "@dane.test")))
                .await(120, TimeUnit.SECONDS).get(0);
    }

    /** The whole path: MX lookup through the validating resolver, MTA-STS off. */
    static RecipientResult sendTo(String recipient, OutboundMessage message) throws Exception {
        RemoteDelivery delivery = new RemoteDelivery(new MxResolver(dns, AddressOrder.IPV4_ONLY, new SecureRandom()),
                client);
        return delivery.deliver(message, List.of(MailAddress.parse(recipient))).toCompletableFuture()
                .get(120, TimeUnit.SECONDS).get(0);
    }

    @Test
    void requireTlsGoesThroughTheProvenMxAndDaneButStopsAtAServerWithoutRequireTls() throws Exception {
        RecipientResult result = sendTo("judy@dane.test", message("judy@dane.test", "requiretls")
                .withTls(Envelope.TlsRequirement.REQUIRETLS));

        assertThat(result.status()).as(result.toString()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(result.reply()).isEqualTo("550 5.7.30 REQUIRETLS support required, but mx-ee.dane.test "
                + "[127.0.0.6] does not offer REQUIRETLS");
        assertThat(peer.messages("judy")).isEmpty();
    }

    @Test
    void requireTlsToADomainWhoseMxDnssecDoesNotProveFailsWithoutConnecting() throws Exception {
        RecipientResult result = sendTo("judy@plain.test", message("judy@plain.test", "requiretls")
                .withTls(Envelope.TlsRequirement.REQUIRETLS));

        assertThat(result.status()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(result.reply()).isEqualTo("550 5.7.30 REQUIRETLS: the MX hosts of plain.test are proven neither "
                + "by DNSSEC nor by an MTA-STS policy in enforce mode");
        assertThat(result.remoteMta()).isNull();
    }

    @Test
    void tlsRequiredNoSetsDaneAsideButStillUsesTls() throws Exception {
        RecipientResult result = sendVia("mx-wrong.dane.test", true, "mallory",
                message("mallory@dane.test", "tls optional").withTls(Envelope.TlsRequirement.TLS_OPTIONAL));

        assertThat(result.status()).as(result.toString()).isEqualTo(DeliveryStatus.DELIVERED);
        await().atMost(Duration.ofSeconds(60)).until(() -> peer.messages("mallory").size() == 1);
        assertThat(stored("mallory")).contains("Subject: tls optional", "with ESMTPS");
    }

    static String stored(String user) throws IOException {
        return new String(peer.messages(user).get(0), StandardCharsets.UTF_8);
    }

    @Test
    void theMxOfASignedZoneIsSecureAndAnUnsignedOneIsNot() throws Exception {
        MxResolver resolver = new MxResolver(dns, AddressOrder.IPV4_ONLY, new SecureRandom());
        MxResult signed = resolver.resolve(Domain.parse("dane.test")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        MxResult plain = resolver.resolve(Domain.parse("plain.test")).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        assertThat(signed).isEqualTo(new MxResult.Hosts(List.of(new MxHost("mx-ee.dane.test", 10,
                List.of(InetAddress.getByName("127.0.0.6")), true))));
        assertThat(plain).isEqualTo(new MxResult.Hosts(List.of(new MxHost("mx.plain.test", 10,
                List.of(InetAddress.getByName("127.0.0.6")), false))));
    }

    @Test
    void aBogusMxAnswerDefers() throws Exception {
        MxResult broken = new MxResolver(dns, AddressOrder.IPV4_ONLY, new SecureRandom())
                .resolve(Domain.parse("broken.test")).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(broken).isInstanceOf(MxResult.TemporaryFailure.class);
        assertThat(((MxResult.TemporaryFailure) broken).reply())
                .startsWith("451 4.4.3 MX lookup for broken.test failed temporarily: DNSSEC validation failed");
    }

    @Test
    void daneEeDeliversThroughTheWholePathOverTls() throws Exception {
        RemoteDelivery delivery = new RemoteDelivery(new MxResolver(dns, AddressOrder.IPV4_ONLY, new SecureRandom()),
                client);

        RecipientResult result = delivery.deliver(message("bob@dane.test", "dane-ee"),
                List.of(MailAddress.parse("bob@dane.test"))).toCompletableFuture().get(120, TimeUnit.SECONDS).get(0);

        assertThat(result.status()).as(result.describe()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(result.remoteMta()).isEqualTo("mx-ee.dane.test [127.0.0.6]");
        await().atMost(Duration.ofSeconds(60)).until(() -> peer.messages("bob").size() == 1);
        assertThat(stored("bob")).contains("Subject: dane-ee", "with ESMTPS");
        assertThat(countedForTlsa("mx-ee.dane.test")).isEqualTo(new TlsResults.Summary(1, Map.of()));
    }

    @Test
    void daneTaDeliversWhenTheChainLeadsToTheAnchorAndNamesTheHost() throws Exception {
        RecipientResult result = sendVia("mx-ta.dane.test", true, "carol", "dane-ta");

        assertThat(result.status()).as(result.describe()).isEqualTo(DeliveryStatus.DELIVERED);
        await().atMost(Duration.ofSeconds(60)).until(() -> peer.messages("carol").size() == 1);
        assertThat(stored("carol")).contains("Subject: dane-ta", "with ESMTPS");
    }

    @Test
    void daneTaDefersWhenTheCertificateDoesNotNameTheHost() throws Exception {
        RecipientResult result = sendVia("mx-tb.dane.test", true, "dave", "dane-ta wrong name");

        assertThat(result.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(result.reply()).startsWith("451 4.7.5 DANE: TLS with mx-tb.dane.test [127.0.0.6] failed")
                .contains("does not name mx-tb.dane.test");
        assertThat(peer.messages("dave")).isEmpty();
    }

    @Test
    void aCertificateMatchingNoTlsaRecordDefersAndNeverFallsBackToPlaintext() throws Exception {
        RecipientResult result = sendVia("mx-wrong.dane.test", true, "erin", "dane mismatch");

        assertThat(result.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(result.reply()).startsWith("451 4.7.5 DANE: TLS with mx-wrong.dane.test [127.0.0.6] failed")
                .contains("matches no TLSA record of _" + port + "._tcp.mx-wrong.dane.test");
        assertThat(peer.messages("erin")).isEmpty();
        TlsResults.Summary counted = countedForTlsa("mx-wrong.dane.test");
        assertThat(counted.successes()).isZero();
        assertThat(counted.failures().keySet()).singleElement().satisfies(f -> {
            assertThat(f.type()).isEqualTo(TlsResultType.VALIDATION_FAILURE);
            assertThat(f.receivingIp()).isEqualTo("127.0.0.6");
        });
    }

    @Test
    void tlsaRecordsOfAHostNotProvenByDnssecAreIgnored() throws Exception {
        // The same mismatching records, but the host's own records were not proven: opportunistic TLS.
        RecipientResult result = sendVia("mx-wrong.dane.test", false, "frank", "not proven");

        assertThat(result.status()).as(result.describe()).isEqualTo(DeliveryStatus.DELIVERED);
        await().atMost(Duration.ofSeconds(60)).until(() -> peer.messages("frank").size() == 1);
    }

    @Test
    void onlyUnusableRecordsStillRequireTlsWithoutAuthentication() throws Exception {
        RecipientResult result = sendVia("mx-pkix.dane.test", true, "grace", "pkix usage only");

        assertThat(result.status()).as(result.describe()).isEqualTo(DeliveryStatus.DELIVERED);
        await().atMost(Duration.ofSeconds(60)).until(() -> peer.messages("grace").size() == 1);
        assertThat(stored("grace")).contains("with ESMTPS");
    }

    @Test
    void aBogusTlsaAnswerDefersWithoutConnecting() throws Exception {
        RecipientResult result = sendVia("mx-bogus.dane.test", true, "heidi", "bogus tlsa");

        assertThat(result.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(result.reply()).startsWith("451 4.7.5 DANE: TLSA lookup of _" + port
                + "._tcp.mx-bogus.dane.test failed: DNSSEC validation failed");
        assertThat(peer.messages("heidi")).isEmpty();
        assertThat(countedForTlsa("mx-bogus.dane.test").failures().keySet()).singleElement()
                .satisfies(f -> assertThat(f.type()).isEqualTo(TlsResultType.DNSSEC_INVALID));
    }

    @Test
    void aSecureHostWithoutTlsaRecordsIsOpportunistic() throws Exception {
        RecipientResult result = sendVia("mx-none.dane.test", true, "ivan", "no tlsa");

        assertThat(result.status()).as(result.describe()).isEqualTo(DeliveryStatus.DELIVERED);
        await().atMost(Duration.ofSeconds(60)).until(() -> peer.messages("ivan").size() == 1);
    }
}
