package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.BlobId;
import io.yubin.store.BlobStore;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoredBlob;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Recipients of several domains: MX from BIND 9, one session per domain with scripted peers. */
class RemoteDeliveryTest {

    static String zone(String origin, String records) {
        return "$TTL 300\n@ IN SOA ns." + origin + ". hostmaster." + origin + ". 1 3600 600 86400 60\n"
                + "@ IN NS ns." + origin + ".\nns IN A 127.0.0.1\n" + records;
    }

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dir;
    private Bind9Server bind;
    private ExecutorService dnsExecutor;
    private Vertx vertx;
    private SmtpClient client;
    private RemoteDelivery delivery;
    private final List<ScriptedPeer> peers = new ArrayList<>();
    private int port;

    @BeforeEach
    void start() throws Exception {
        bind = new Bind9Server(dir, Map.of(
                "one.test", zone("one.test", "@ IN MX 10 mx.one.test.\nmx IN A 127.0.0.2\n"),
                "two.test", zone("two.test", "@ IN MX 10 mx.two.test.\nmx IN A 127.0.0.3\n"),
                "broken.test", "garbage"));
        port = PostfixDeliveryTest.freePort();
        dnsExecutor = Executors.newCachedThreadPool();
        StubResolver dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), dnsExecutor,
                Clock.systemUTC());
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        client = new SmtpClient(vertx, RemoteSettings.defaults("out.yubin.test").withPort(port)
                .withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(10)))
                // a session per message: the tests count sessions (keeping them: SmtpClientTest)
                .withReuse(RemoteSettings.Reuse.NONE));
        delivery = new RemoteDelivery(new MxResolver(dns, AddressOrder.IPV6_FIRST, new Random()), client);
    }

    @AfterEach
    void stop() throws Exception {
        for (ScriptedPeer peer : peers) {
            peer.close();
        }
        client.close();
        vertx.close().await(30, TimeUnit.SECONDS);
        bind.close();
        dnsExecutor.shutdownNow();
    }

    private ScriptedPeer peer(String address, String... extensions) throws Exception {
        ScriptedPeer peer = new ScriptedPeer(address, port, ScriptedPeer.standard(extensions));
        peers.add(peer);
        return peer;
    }

    /** A blob store holding one body: what OutboundMessage.of reads. */
    static BlobStore holding(byte[] body) {
        return new BlobStore() {
            @Override
            public CompletionStage<StoredBlob> put(InputStream content) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<InputStream> get(BlobId id) {
                return CompletableFuture.completedFuture(new ByteArrayInputStream(body));
            }

            @Override
            public CompletionStage<InputStream> get(BlobId id, long offset, long length) {
                throw new UnsupportedOperationException();
            }

            @Override
            public CompletionStage<Boolean> exists(BlobId id) {
                return CompletableFuture.completedFuture(true);
            }

            @Override
            public CompletionStage<Void> delete(BlobId id) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void eachDomainGetsOneSessionForAllItsRecipientsAndResultsKeepTheEnvelopeOrder() throws Exception {
        ScriptedPeer one = peer("127.0.0.2", "PIPELINING", "SMTPUTF8", "8BITMIME");
        ScriptedPeer two = peer("127.0.0.3", "PIPELINING");
        byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        List<MailAddress> recipients = List.of(MailAddress.parse("a@one.test"), MailAddress.parse("b@two.test"),
                MailAddress.parse("j\u00f6rg@one.test", true), MailAddress.parse("d@x.broken.test"));
        SpoolEntry entry = SpoolEntry.queued(SpoolId.next(),
                Envelope.of(MailAddress.parse("alice@yubin.test"), recipients),
                new StoredBlob(new BlobId("b1"), body.length, "unused"), Instant.now(),
                new SpoolEntry.ClientInfo("client.test", "192.0.2.7", "alice@yubin.test"));
        OutboundMessage message = OutboundMessage.of(entry, holding(body));
        assertThat(message.smtpUtf8()).isTrue(); // a UTF-8 recipient makes the message need SMTPUTF8
        assertThat(message.size()).isEqualTo(body.length);

        // two.test does not offer SMTPUTF8: the message needs it, so its recipient fails there.
        List<RecipientResult> results = delivery.deliver(message, recipients).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);

        assertThat(results).extracting(RecipientResult::recipient).containsExactlyElementsOf(recipients);
        assertThat(results).extracting(RecipientResult::status).containsExactly(DeliveryStatus.DELIVERED,
                DeliveryStatus.FAILED, DeliveryStatus.DELIVERED, DeliveryStatus.DEFERRED);
        assertThat(results.get(1).reply()).startsWith("553 5.6.7 ");
        assertThat(results.get(3).reply()).startsWith("451 4.4.3 MX lookup for x.broken.test failed temporarily");
        assertThat(results.get(3).remoteMta()).isNull();
        assertThat(one.connections()).isEqualTo(1);
        assertThat(two.connections()).isEqualTo(1);
        assertThat(one.commands).containsExactly("1 EHLO out.yubin.test",
                "1 MAIL FROM:<alice@yubin.test> SMTPUTF8", "1 RCPT TO:<a@one.test>", "1 RCPT TO:<j\u00f6rg@one.test>",
                "1 DATA", "1 <end of data>", "1 QUIT");
        assertThat(one.bodies).singleElement().satisfies(b -> assertThat(b).isEqualTo(body));
    }

    @Test
    void aDomainGetsNoMoreSessionsAtOnceThanItsLimitAndTheOneWaitingIsDeliveredAfter() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        var standard = ScriptedPeer.standard("PIPELINING");
        ScriptedPeer one = new ScriptedPeer("127.0.0.2", port, (n, command) -> {
            if (command.equals("<connect>")) {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            }
            if (command.equals("<end of data>")) {
                if (n == 1) {
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                inFlight.decrementAndGet();
            }
            return standard.apply(n, command);
        });
        peers.add(one);
        DomainConnections connections = new DomainConnections(1, Duration.ofSeconds(60));
        RemoteDelivery limited = new RemoteDelivery(new MxResolver(new StubResolver(DnsSettings.DEFAULT.withServers(
                List.of(bind.address())), dnsExecutor, Clock.systemUTC()), AddressOrder.IPV6_FIRST, new Random()),
                client, connections);
        byte[] body = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        List<CompletableFuture<List<RecipientResult>>> deliveries = new ArrayList<>();
        for (String to : List.of("a@one.test", "b@one.test")) {
            MailAddress recipient = MailAddress.parse(to);
            SpoolEntry entry = SpoolEntry.queued(SpoolId.next(),
                    Envelope.of(MailAddress.parse("alice@yubin.test"), List.of(recipient)),
                    new StoredBlob(new BlobId("b" + deliveries.size()), body.length, "unused"), Instant.now(),
                    new SpoolEntry.ClientInfo("client.test", "192.0.2.7", "alice@yubin.test"));
            deliveries.add(limited.deliver(OutboundMessage.of(entry, holding(body)), List.of(recipient))
                    .toCompletableFuture());
        }

        // The second waits behind the first, which the peer holds at its end of data.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> connections.waiting("one.test") == 1 && one.commands.contains("1 <end of data>"));
        assertThat(one.connections()).isEqualTo(1);
        release.countDown();

        for (CompletableFuture<List<RecipientResult>> delivery : deliveries) {
            assertThat(delivery.get(60, TimeUnit.SECONDS)).singleElement()
                    .satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        }
        assertThat(one.connections()).isEqualTo(2);
        assertThat(most).hasValue(1);
        assertThat(connections.active("one.test")).isZero();
    }
}
