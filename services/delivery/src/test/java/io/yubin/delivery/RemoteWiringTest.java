package io.yubin.delivery;

import static io.yubin.delivery.DeliveryFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.yubin.delivery.remote.AddressOrder;
import io.yubin.delivery.remote.MxResolver;
import io.yubin.delivery.remote.RemoteDelivery;
import io.yubin.delivery.remote.RemoteSettings;
import io.yubin.delivery.remote.ScriptedPeer;
import io.yubin.delivery.remote.SmtpClient;
import io.yubin.mailauth.dkim.ArcResult;
import io.yubin.mailauth.dkim.ArcSealer;
import io.yubin.mailauth.dkim.ArcVerifier;
import io.yubin.mailauth.dkim.DkimKeyLookup;
import io.yubin.mailauth.dkim.DkimSigningKey;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.queue.ClusterMember;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.MessageRecord;
import io.yubin.store.RecipientState;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoredBlob;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalDelivery} with remote delivery wired in: real embedded storage, real Accounts, the real
 * {@link RemoteDelivery} and SMTP client talking to a scripted peer on 127.0.0.2 (recipients are
 * address literals, so no DNS), retries re-offered by the real {@link SpoolSweep} and delivered by
 * the real {@link DeliveryWorkers}, notifications read back with mime4j.
 */
class RemoteWiringTest {

    private static final String FRIEND = "friend@[127.0.0.2]";
    private static final RetrySchedule RETRIES = new RetrySchedule(Duration.ofSeconds(30), Duration.ofMinutes(2),
            Duration.ofHours(1));

    private static ClusterMember member;

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path dataDir;

    private DeliveryFixture f;
    /** Moved by the tests, starting now (the spool's received times are real times). */
    private final MovingClock clock = new MovingClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    private Vertx vertx;
    private SmtpClient client;
    private ExecutorService dsnWorker;
    private RemoteDelivery remote;
    private ExecutorService dnsExecutor;
    private final List<ScriptedPeer> peers = new ArrayList<>();
    private int port;
    private LocalDelivery delivery;

    @BeforeAll
    static void startMember() {
        member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("remote-wiring-test", 0));
    }

    @AfterAll
    static void stopMember() {
        member.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        f = new DeliveryFixture(dataDir, member);
        f.domain("example.test");
        f.user("alice@example.test");
        f.user("bob@example.test");
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
            port = probe.getLocalPort();
        }
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        client = new SmtpClient(vertx, RemoteSettings.defaults("out.example.test").withPort(port)
                .withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(10)))
                // a session per message: the tests count sessions (keeping them: SmtpClientTest)
                .withReuse(RemoteSettings.Reuse.NONE));
        dnsExecutor = Executors.newCachedThreadPool();
        // Address literals are never looked up; the resolver only has to exist.
        StubResolver dns = new StubResolver(DnsSettings.DEFAULT.withServers(
                List.of(new InetSocketAddress("127.0.0.1", 9))), dnsExecutor, Clock.systemUTC());
        remote = new RemoteDelivery(new MxResolver(dns, AddressOrder.IPV4_ONLY, new SecureRandom()),
                client);
        dsnWorker = Executors.newSingleThreadExecutor();
        delivery = new LocalDelivery(f.storage.spool(), f.storage.mailboxes(), f.accounts.resolver(), f.events,
                clock, new LocalDelivery.Outbound(RemoteSender.of(remote, f.storage.blobs()), RETRIES,
                        new DsnSpooler(f.storage.spool(), f.storage.blobs(), "mx.example.test", clock, dsnWorker)));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (ScriptedPeer peer : peers) {
            peer.close();
        }
        client.close();
        vertx.close().await(30, TimeUnit.SECONDS);
        dsnWorker.shutdownNow();
        dnsExecutor.shutdownNow();
        f.close();
    }

    private ScriptedPeer peer(BiFunction<Integer, String, String> script) throws Exception {
        ScriptedPeer peer = new ScriptedPeer("127.0.0.2", port, script);
        peers.add(peer);
        return peer;
    }

    private static BiFunction<Integer, String, String> refusingRecipients(String reply) {
        return (n, command) -> command.startsWith("RCPT TO:") ? reply : ScriptedPeer.standard().apply(n, command);
    }

    @Test
    void anAuthenticatedSendersMessageReachesTheLocalAndTheRemoteRecipient() throws Exception {
        ScriptedPeer peer = peer(ScriptedPeer.standard("PIPELINING", "8BITMIME"));
        SpoolId id = f.acceptFrom(clock.instant(), "alice@example.test", "alice@example.test",
                "bob@example.test", FRIEND);
        byte[] body = blob(f.entry(id).orElseThrow());

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.updated()).extracting(RecipientState::status)
                .containsExactly(DeliveryStatus.DELIVERED, DeliveryStatus.DELIVERED);
        assertThat(outcome.updated().get(1).lastResult()).startsWith("250 2.0.0 queued as DATA");
        assertThat(outcome.notifications()).isEmpty();
        assertThat(f.inbox("bob@example.test")).hasSize(1);
        assertThat(peer.commands).contains("1 MAIL FROM:<alice@example.test>", "1 RCPT TO:<" + FRIEND + ">");
        assertThat(peer.bodies).hasSize(1);
        assertThat(peer.bodies.get(0)).isEqualTo(body);
        assertThat(f.entry(id)).isEmpty();
    }

    @Test
    void anAliasForwardsAStrangersMessageToItsRemoteTargetThroughASpoolEntryOfItsOwn() throws Exception {
        ScriptedPeer peer = peer(ScriptedPeer.standard("PIPELINING", "8BITMIME"));
        f.alias("team@example.test", "bob@example.test");
        f.alias("team@example.test", FRIEND);
        // From outside, not authenticated: the stranger may not relay, the alias's owner may forward.
        SpoolId id = f.acceptFrom(clock.instant(), "stranger@elsewhere.test", null, "team@example.test");
        byte[] body = blob(f.entry(id).orElseThrow());

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        RecipientState team = outcome.updated().get(0);
        assertThat(team.status()).isEqualTo(DeliveryStatus.DELIVERED);
        SpoolId copy = LocalDelivery.forwardId(id, MailAddress.parse("team@example.test"));
        assertThat(team.lastResult()).isEqualTo("250 2.1.5 forwarded to <" + FRIEND + "> as " + copy.value());
        assertThat(outcome.notifications()).containsExactly(copy);
        assertThat(f.inbox("bob@example.test")).hasSize(1);
        assertThat(peer.bodies).as("nothing sent before the copy is delivered").isEmpty();
        SpoolEntry forwarded = f.entry(copy).orElseThrow();
        assertThat(forwarded.envelope().sender()).isEqualTo(MailAddress.parse("stranger@elsewhere.test"));
        assertThat(forwarded.envelope().recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo(MailAddress.parse(FRIEND));
            assertThat(r.originalRecipient()).isEqualTo("rfc822;team@example.test");
        });
        // The original's entry is gone and its blob reference with it; the copy holds its own.
        assertThat(f.entry(id)).isEmpty();

        LocalDelivery.Outcome sent = await(delivery.deliver(copy));

        assertThat(sent.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(sent.updated().get(0).lastResult()).startsWith("250 2.0.0");
        assertThat(peer.commands).contains("1 MAIL FROM:<stranger@elsewhere.test>", "1 RCPT TO:<" + FRIEND + ">");
        assertThat(peer.bodies).containsExactly(body);
        assertThat(f.entry(copy)).isEmpty();
    }

    @Test
    void withSrsTheForwardedCopyLeavesFromAnAddressOfTheAliasDomainThatResolvesBackToTheSender() throws Exception {
        ScriptedPeer peer = peer(ScriptedPeer.standard("PIPELINING", "8BITMIME"));
        io.yubin.store.Srs srs = new io.yubin.store.Srs(io.yubin.store.Srs.keyFrom("an-installation-token-0123"), clock);
        LocalDelivery rewriting = new LocalDelivery(f.storage.spool(), f.storage.mailboxes(), f.accounts.resolver(),
                f.events, clock, new LocalDelivery.Outbound(RemoteSender.of(remote, f.storage.blobs()), RETRIES,
                        new DsnSpooler(f.storage.spool(), f.storage.blobs(), "mx.example.test", clock, dsnWorker))
                        .withSrs(srs));
        f.alias("team@example.test", FRIEND);
        SpoolId id = f.acceptFrom(clock.instant(), "stranger@elsewhere.test", null, "team@example.test");

        await(rewriting.deliver(id));
        SpoolId copy = LocalDelivery.forwardId(id, MailAddress.parse("team@example.test"));
        MailAddress sender = f.entry(copy).orElseThrow().envelope().sender();
        assertThat(sender.domain().ascii()).isEqualTo("example.test");
        assertThat(sender.localPart()).startsWith("SRS0=").endsWith("=elsewhere.test=stranger");
        assertThat(srs.reverse(sender)).contains(MailAddress.parse("stranger@elsewhere.test"));
        await(rewriting.deliver(copy));
        assertThat(peer.commands).contains("1 MAIL FROM:<" + sender + ">", "1 RCPT TO:<" + FRIEND + ">");

        // A bounce: the null sender is never rewritten.
        SpoolId bounce = f.acceptFrom(clock.instant(), null, null, "team@example.test");
        await(rewriting.deliver(bounce));
        assertThat(f.entry(LocalDelivery.forwardId(bounce, MailAddress.parse("team@example.test"))).orElseThrow()
                .envelope().sender()).isNull();
    }

    @Test
    void aForwardedCopyThatFailsIsReportedToItsSrsAddressAndTheReportGoesOnToTheOriginalSender() throws Exception {
        // The remote server refuses the alias's target.
        peer((n, command) -> command.equals("RCPT TO:<" + FRIEND + ">") ? "550 5.1.1 no such user"
                : ScriptedPeer.standard().apply(n, command));
        io.yubin.store.Srs srs = new io.yubin.store.Srs(io.yubin.store.Srs.keyFrom("an-installation-token-0123"), clock);
        LocalDelivery rewriting = new LocalDelivery(f.storage.spool(), f.storage.mailboxes(),
                new io.yubin.store.AddressResolver(f.storage.directory(), io.yubin.store.AddressPolicies.DEFAULT.withSrs(srs)),
                f.events, clock, new LocalDelivery.Outbound(RemoteSender.of(remote, f.storage.blobs()), RETRIES,
                        new DsnSpooler(f.storage.spool(), f.storage.blobs(), "mx.example.test", clock, dsnWorker))
                        .withSrs(srs));
        f.alias("team@example.test", FRIEND);
        SpoolId id = f.acceptFrom(clock.instant(), "stranger@elsewhere.test", null, "team@example.test");

        SpoolId copy = await(rewriting.deliver(id)).notifications().get(0);
        LocalDelivery.Outcome failed = await(rewriting.deliver(copy));
        assertThat(failed.updated().get(0).status()).isEqualTo(DeliveryStatus.FAILED);
        SpoolEntry report = f.entry(failed.notifications().get(0)).orElseThrow();
        MailAddress srsAddress = report.envelope().recipients().get(0).address();
        assertThat(srsAddress.localPart()).startsWith("SRS0=");
        assertThat(srsAddress.domain().ascii()).isEqualTo("example.test");

        // The report to the SRS address is forwarded, from the null sender, to the one who wrote.
        SpoolId onward = await(rewriting.deliver(report.id())).notifications().get(0);
        SpoolEntry forwarded = f.entry(onward).orElseThrow();
        assertThat(forwarded.envelope().sender()).isNull();
        assertThat(forwarded.envelope().recipients()).extracting(r -> r.address())
                .containsExactly(MailAddress.parse("stranger@elsewhere.test"));
        // From here it is a notification to a remote sender as any other (this test has no DNS for names).
    }

    @Test
    void theForwardedCopyIsArcSealedAsTheAliasDomainAndItsChainVerifies() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        ArcSealer sealer = new ArcSealer(domain -> domain.equals("example.test")
                ? List.of(new DkimSigningKey("arc", pair.getPrivate())) : List.of(), clock);
        LocalDelivery sealing = new LocalDelivery(f.storage.spool(), f.storage.mailboxes(), f.accounts.resolver(),
                f.events, clock, new LocalDelivery.Outbound(RemoteSender.of(remote, f.storage.blobs()), RETRIES,
                        new DsnSpooler(f.storage.spool(), f.storage.blobs(), "mx.example.test", clock, dsnWorker))
                        .withArc(new ArcForwarding(sealer, "mx.example.test", f.storage.blobs(), dsnWorker)));
        f.alias("team@example.test", FRIEND);
        String original = "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=stranger@elsewhere.test;"
                + " arc=none\r\nFrom: stranger@elsewhere.test\r\nTo: team@example.test\r\nSubject: sealed\r\n\r\nhello\r\n";
        SpoolId id = SpoolId.next();
        await(f.storage.spool().accept(SpoolEntry.queued(id, Envelope.of(MailAddress.parse("stranger@elsewhere.test"),
                List.of(MailAddress.parse("team@example.test"))), f.blob(original), clock.instant().truncatedTo(
                        java.time.temporal.ChronoUnit.MILLIS), new SpoolEntry.ClientInfo("c.elsewhere.test", "192.0.2.7", null))));

        await(sealing.deliver(id));

        SpoolEntry copy = f.entry(LocalDelivery.forwardId(id, MailAddress.parse("team@example.test"))).orElseThrow();
        String sealed = new String(blob(copy), StandardCharsets.UTF_8);
        assertThat(sealed).startsWith("ARC-Seal: i=1;").contains("cv=none;", "d=example.test; s=arc;",
                "ARC-Authentication-Results: i=1; mx.example.test; spf=pass").endsWith(original);
        String record = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
        ArcVerifier verifier = new ArcVerifier(name -> CompletableFuture.completedFuture(name.equals("arc._domainkey.example.test")
                ? new DkimKeyLookup.Records(List.of(record)) : new DkimKeyLookup.NoRecord()), dsnWorker);
        ArcResult verdict = await(verifier.verify(new ByteArrayInputStream(blob(copy))));
        assertThat(verdict.status()).as(verdict.toString()).isEqualTo(ArcResult.Status.PASS);
        // The original's body is untouched; the copy has one of its own.
        assertThat(copy.blob().id()).isNotEqualTo(f.blob(original).id());
    }

    @Test
    void aForwardingRunRepeatedAfterACrashSpoolsNoSecondCopy() throws Exception {
        peer(ScriptedPeer.standard());
        f.alias("team@example.test", FRIEND);
        SpoolId id = f.acceptFrom(clock.instant(), "stranger@elsewhere.test", null, "team@example.test");
        SpoolEntry entry = f.entry(id).orElseThrow();

        LocalDelivery.Outcome first = await(delivery.deliver(id));
        // As if the run had crashed before recording: the original is back, its alias recipient queued.
        await(f.storage.spool().accept(entry));
        LocalDelivery.Outcome again = await(delivery.deliver(id));

        assertThat(again.notifications()).isEqualTo(first.notifications());
        assertThat(await(f.storage.spool().unfinished(null, 10))).containsExactlyElementsOf(first.notifications());
    }

    @Test
    void aDeferredRecipientIsReofferedByTheSweepWhenDueAndDeliveredOnce() throws Exception {
        ScriptedPeer peer = peer((n, command) -> n == 1 && command.startsWith("RCPT TO:")
                ? "451 4.7.1 greylisted, try again later" : ScriptedPeer.standard().apply(n, command));
        SpoolId id = f.acceptFrom(clock.instant(), "alice@example.test", "alice@example.test", FRIEND);

        LocalDelivery.Outcome first = await(delivery.deliver(id));

        assertThat(first.kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
        RecipientState deferred = f.entry(id).orElseThrow().recipients().get(0);
        assertThat(deferred.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(deferred.attempts()).isEqualTo(1);
        assertThat(deferred.nextAttempt()).isEqualTo(clock.instant().plus(RETRIES.first()));
        assertThat(deferred.lastResult()).startsWith("451 4.7.1 greylisted");
        assertThat(peer.bodies).isEmpty();

        SpoolSweep sweep = new SpoolSweep(f.storage.spool(), f.queue, f.coordination, clock,
                SpoolSweep.Options.every(Duration.ofSeconds(1)));
        assertThat(sweep.sweepOnce().offered()).isZero();
        clock.advance(RETRIES.first());
        try (DeliveryWorkers workers = DeliveryWorkers.start(f.queue, delivery, f.coordination,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), DeliveryWorkers.Options.of(1))) {
            assertThat(sweep.sweepOnce().offered()).isEqualTo(1);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> f.entry(id).isEmpty());
            assertThat(sweep.sweepOnce().offered()).isZero();
        }
        assertThat(peer.connections()).isEqualTo(2);
        assertThat(peer.bodies).hasSize(1);
        assertThat(peer.commands.stream().filter(c -> c.endsWith("RCPT TO:<" + FRIEND + ">"))).hasSize(2);
    }

    @Test
    void aPermanentFailureIsReportedToTheSendersInboxAsADeliveryStatusNotification() throws Exception {
        peer(refusingRecipients("550 5.1.1 <" + FRIEND + ">: no such user"));
        SpoolId id = f.acceptFrom(clock.instant(), "alice@example.test", "alice@example.test", FRIEND);

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.updated().get(0).status()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(outcome.updated().get(0).lastResult()).startsWith("550 5.1.1");
        assertThat(outcome.notifications()).hasSize(1);
        SpoolEntry dsn = f.entry(outcome.notifications().get(0)).orElseThrow();
        assertThat(dsn.envelope().sender()).isNull();
        assertThat(dsn.envelope().recipients()).extracting(r -> r.address())
                .containsExactly(MailAddress.parse("alice@example.test"));

        assertThat(await(delivery.deliver(dsn.id())).kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);

        List<MessageRecord> inbox = f.inbox("alice@example.test");
        assertThat(inbox).hasSize(1);
        Map<String, String> fields = reportedFields(inbox.get(0));
        assertThat(fields).containsEntry("Action", "failed").containsEntry("Status", "5.1.1")
                .containsEntry("Final-Recipient", "rfc822; " + FRIEND)
                .containsEntry("Reporting-MTA", "dns; mx.example.test");
        assertThat(fields.get("Diagnostic-Code")).startsWith("smtp; 550 5.1.1");
    }

    @Test
    void aDeliveryRunRepeatedAfterTheNotificationWasSpooledSpoolsNoSecondOne() throws Exception {
        peer(refusingRecipients("550 5.1.1 no such user"));
        SpoolId id = f.acceptFrom(clock.instant(), "alice@example.test", "alice@example.test", FRIEND);
        SpoolEntry entry = f.entry(id).orElseThrow();
        DsnSpooler spooler = new DsnSpooler(f.storage.spool(), f.storage.blobs(), "mx.example.test", clock, dsnWorker);
        var failed = new io.yubin.delivery.remote.DsnRecipient(entry.envelope().recipients().get(0),
                io.yubin.delivery.remote.DsnRecipient.Action.FAILED, new io.yubin.delivery.remote.RecipientResult(
                        MailAddress.parse(FRIEND), DeliveryStatus.FAILED, "550 5.1.1 no such user", null, null),
                clock.instant(), null);
        SpoolId earlier = await(spooler.spool(entry, List.of(failed))).orElseThrow();

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.notifications()).containsExactly(earlier);
        assertThat(await(f.storage.spool().unfinished(null, 10))).containsExactly(earlier);
    }

    @Test
    void aMessageFromTheNullSenderThatFailsMakesNoNotification() throws Exception {
        ScriptedPeer peer = peer(refusingRecipients("550 5.1.1 no such user"));
        SpoolId id = f.acceptFrom(clock.instant(), null, "alice@example.test", FRIEND);

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(peer.commands).contains("1 MAIL FROM:<>");
        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.updated().get(0).status()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(outcome.notifications()).isEmpty();
        assertThat(await(f.storage.spool().unfinished(null, 10))).isEmpty();
    }

    @Test
    void aRecipientStillDeferredAtTheGiveUpTimeFailsAndIsReported() throws Exception {
        ScriptedPeer peer = peer(refusingRecipients("451 4.3.0 try again later"));
        SpoolId id = f.acceptFrom(clock.instant(), "alice@example.test", "alice@example.test", FRIEND);

        assertThat(await(delivery.deliver(id)).kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
        // Late sweeps: the next attempt is clipped to the give-up time, and that attempt is the last.
        clock.advance(RETRIES.giveUpAfter().minusSeconds(1));
        RecipientState beforeGiveUp = await(delivery.deliver(id)).updated().get(0);
        assertThat(beforeGiveUp.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(beforeGiveUp.nextAttempt()).isEqualTo(f.entry(id).orElseThrow().receivedAt()
                .plus(RETRIES.giveUpAfter()));
        clock.advance(Duration.ofSeconds(1));

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(peer.connections()).isEqualTo(3);
        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        RecipientState failed = outcome.updated().get(0);
        assertThat(failed.status()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(failed.attempts()).isEqualTo(3);
        assertThat(failed.lastResult()).startsWith("554 5.4.7 delivery time expired after PT1H, last reply: 451 4.3.0");
        assertThat(outcome.notifications()).hasSize(1);
        await(delivery.deliver(outcome.notifications().get(0)));
        Map<String, String> fields = reportedFields(f.inbox("alice@example.test").get(0));
        assertThat(fields).containsEntry("Action", "failed").containsEntry("Status", "5.4.7");
    }

    @Test
    void aNotificationToARemoteSenderIsSentThoughNobodyAuthenticated() throws Exception {
        ScriptedPeer peer = peer(ScriptedPeer.standard());
        f.user("gone@example.test");
        SpoolId id = f.acceptFrom(clock.instant(), FRIEND, null, "gone@example.test");
        await(f.accounts.removeUser(MailAddress.parse("gone@example.test")));

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.updated().get(0).lastResult()).startsWith("550 5.1.1 ");
        assertThat(outcome.notifications()).hasSize(1);
        LocalDelivery.Outcome sent = await(delivery.deliver(outcome.notifications().get(0)));
        assertThat(sent.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(sent.updated().get(0).status()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(peer.commands).contains("1 MAIL FROM:<>", "1 RCPT TO:<" + FRIEND + ">");
        assertThat(new String(peer.bodies.get(0), StandardCharsets.UTF_8))
                .contains("report-type=delivery-status", "Final-Recipient: rfc822; gone@example.test");
    }

    @Test
    void aRemoteRecipientOfAnUnauthenticatedSenderIsStillRefusedAsRelaying() throws Exception {
        ScriptedPeer peer = peer(ScriptedPeer.standard());
        SpoolId id = f.acceptFrom(clock.instant(), null, null, FRIEND);

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.updated().get(0).status()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(outcome.updated().get(0).lastResult()).startsWith("550 5.7.1 ");
        assertThat(peer.connections()).isZero();
    }

    /** The wiring with delay warnings after 10 minutes (the retry schedule gives up after 1 hour). */
    private LocalDelivery warningAfterTenMinutes() {
        RemoteDelivery remote = new RemoteDelivery(new MxResolver(new StubResolver(DnsSettings.DEFAULT.withServers(
                List.of(new InetSocketAddress("127.0.0.1", 9))), dnsExecutor, Clock.systemUTC()),
                AddressOrder.IPV4_ONLY, new SecureRandom()), client);
        return new LocalDelivery(f.storage.spool(), f.storage.mailboxes(), f.accounts.resolver(), f.events, clock,
                new LocalDelivery.Outbound(RemoteSender.of(remote, f.storage.blobs()), RETRIES,
                        new DsnSpooler(f.storage.spool(), f.storage.blobs(), "mx.example.test", clock, dsnWorker),
                        Duration.ofMinutes(10)));
    }

    /** An entry from alice to FRIEND with the given NOTIFY (RFC 3461), or none. */
    private SpoolId acceptWithNotify(String sender, Set<Envelope.DsnNotify> notify) throws Exception {
        SpoolId id = SpoolId.next();
        StoredBlob blob = await(f.storage.blobs().put(new java.io.ByteArrayInputStream(
                "Subject: slow\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))));
        await(f.storage.spool().accept(SpoolEntry.queued(id, new Envelope(
                sender == null ? null : MailAddress.parse(sender),
                List.of(new Envelope.Recipient(MailAddress.parse(FRIEND), notify, null)), Envelope.BodyType.SEVEN_BIT,
                false, null, null), blob, clock.instant(),
                new SpoolEntry.ClientInfo("client.test", "192.0.2.7", "alice@example.test"))));
        return id;
    }

    private SpoolId acceptAsking(Set<Envelope.DsnNotify> notify, String... recipients) throws Exception {
        SpoolId id = SpoolId.next();
        StoredBlob blob = await(f.storage.blobs().put(new java.io.ByteArrayInputStream(
                "Subject: tell me\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))));
        await(f.storage.spool().accept(SpoolEntry.queued(id, new Envelope(MailAddress.parse("alice@example.test"),
                java.util.Arrays.stream(recipients).map(r -> new Envelope.Recipient(MailAddress.parse(r), notify,
                        "rfc822;" + r)).toList(), Envelope.BodyType.SEVEN_BIT, false, Envelope.DsnReturn.FULL, "env-1"),
                blob, clock.instant(), new SpoolEntry.ClientInfo("client.test", "192.0.2.7", "alice@example.test"))));
        return id;
    }

    @Test
    void notifySuccessIsReportedAsDeliveredForAMailboxHereAndRelayedForAServerWithoutDsn() throws Exception {
        ScriptedPeer peer = peer(ScriptedPeer.standard("PIPELINING"));
        SpoolId id = acceptAsking(Set.of(Envelope.DsnNotify.SUCCESS, Envelope.DsnNotify.FAILURE), "bob@example.test",
                FRIEND);

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.notifications()).hasSize(1);
        assertThat(commandsContaining(peer, "RCPT TO:")).containsExactly("RCPT TO:<" + FRIEND + ">");
        assertThat(await(delivery.deliver(outcome.notifications().get(0))).kind())
                .isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        List<MessageRecord> inbox = f.inbox("alice@example.test");
        assertThat(inbox).hasSize(1);
        String report;
        try (InputStream in = await(f.storage.blobs().get(inbox.get(0).blob().id()))) {
            report = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(report).contains("Subject: Successful Mail Delivery Report", "Original-Envelope-Id: env-1",
                "Final-Recipient: rfc822; bob@example.test\r\nAction: delivered\r\nStatus: 2.0.0",
                "Final-Recipient: rfc822; " + FRIEND + "\r\nAction: relayed\r\nStatus: 2.0.0",
                "Content-Type: text/rfc822-headers").doesNotContain("\r\n\r\nbody\r\n");
    }

    @Test
    void aServerOfferingDsnGetsTheParametersAndNoNoticeIsSentFromHere() throws Exception {
        ScriptedPeer peer = peer(ScriptedPeer.standard("PIPELINING", "DSN"));
        SpoolId id = acceptAsking(Set.of(Envelope.DsnNotify.SUCCESS), FRIEND);

        LocalDelivery.Outcome outcome = await(delivery.deliver(id));

        assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.FINISHED);
        assertThat(outcome.notifications()).isEmpty();
        assertThat(commandsContaining(peer, "MAIL FROM:")).singleElement().asString().endsWith(" RET=FULL ENVID=env-1");
        assertThat(commandsContaining(peer, "RCPT TO:")).containsExactly(
                "RCPT TO:<" + FRIEND + "> NOTIFY=SUCCESS ORCPT=rfc822;" + FRIEND);
    }

    private static List<String> commandsContaining(ScriptedPeer peer, String prefix) {
        return peer.commands.stream().map(c -> c.substring(c.indexOf(' ') + 1)).filter(c -> c.startsWith(prefix)).toList();
    }

    @Test
    void aRecipientStillDeferredAfterTheDelayWarningTimeIsReportedOnceAsDelayed() throws Exception {
        peer(refusingRecipients("451 4.3.0 try again later"));
        LocalDelivery delivery = warningAfterTenMinutes();
        SpoolId id = f.acceptFrom(clock.instant(), "alice@example.test", "alice@example.test", FRIEND);

        LocalDelivery.Outcome early = await(delivery.deliver(id));
        assertThat(early.kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
        assertThat(early.notifications()).isEmpty();
        assertThat(f.entry(id).orElseThrow().recipients().get(0).delayReported()).isFalse();

        clock.advance(Duration.ofMinutes(10));
        LocalDelivery.Outcome late = await(delivery.deliver(id));
        assertThat(late.kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
        assertThat(late.notifications()).hasSize(1);
        RecipientState recorded = f.entry(id).orElseThrow().recipients().get(0);
        assertThat(recorded.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(recorded.attempts()).isEqualTo(2);
        assertThat(recorded.delayReported()).isTrue();

        clock.advance(Duration.ofMinutes(5));
        LocalDelivery.Outcome again = await(delivery.deliver(id));
        assertThat(again.updated().get(0).attempts()).isEqualTo(3);
        assertThat(again.notifications()).as("at most one warning per recipient").isEmpty();

        SpoolEntry warning = f.entry(late.notifications().get(0)).orElseThrow();
        assertThat(warning.envelope().sender()).isNull();
        await(delivery.deliver(warning.id()));
        List<MessageRecord> inbox = f.inbox("alice@example.test");
        assertThat(inbox).hasSize(1);
        Map<String, String> fields = reportedFields(inbox.get(0));
        assertThat(fields).containsEntry("Action", "delayed").containsEntry("Status", "4.3.0")
                .containsEntry("Final-Recipient", "rfc822; " + FRIEND).containsKey("Will-Retry-Until");
        assertThat(fields.get("Diagnostic-Code")).startsWith("smtp; 451 4.3.0");
    }

    @Test
    void noDelayWarningForNotifyNeverOrFailureOnlyNorForTheNullSenderButOneForNotifyDelay() throws Exception {
        peer(refusingRecipients("451 4.3.0 try again later"));
        LocalDelivery delivery = warningAfterTenMinutes();
        SpoolId never = acceptWithNotify("alice@example.test", Set.of(Envelope.DsnNotify.NEVER));
        SpoolId failureOnly = acceptWithNotify("alice@example.test", Set.of(Envelope.DsnNotify.FAILURE));
        SpoolId nullSender = acceptWithNotify(null, Set.of());
        SpoolId delay = acceptWithNotify("alice@example.test", Set.of(Envelope.DsnNotify.DELAY));
        clock.advance(Duration.ofMinutes(11));

        for (SpoolId id : List.of(never, failureOnly, nullSender)) {
            LocalDelivery.Outcome outcome = await(delivery.deliver(id));
            assertThat(outcome.kind()).isEqualTo(LocalDelivery.Outcome.Kind.PENDING);
            assertThat(outcome.notifications()).isEmpty();
        }
        LocalDelivery.Outcome warned = await(delivery.deliver(delay));
        assertThat(warned.notifications()).hasSize(1);
        assertThat(await(f.storage.spool().unfinished(null, 10))).hasSize(5);
    }

    private byte[] blob(SpoolEntry entry) throws Exception {
        try (InputStream in = await(f.storage.blobs().get(entry.blob().id()))) {
            return in.readAllBytes();
        }
    }

    /** The per-recipient fields of the delivery-status part of the notification stored as {@code message}. */
    private Map<String, String> reportedFields(MessageRecord message) throws Exception {
        Message parsed;
        try (InputStream in = await(f.storage.blobs().get(message.blob().id()))) {
            parsed = new DefaultMessageBuilder().parseMessage(in);
        }
        assertThat(parsed.getMimeType()).isEqualTo("multipart/report");
        Entity status = ((Multipart) parsed.getBody()).getBodyParts().get(1);
        assertThat(status.getMimeType()).isEqualTo("message/delivery-status");
        String text;
        try (InputStream in = ((SingleBody) status.getBody()).getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // Blocks are separated by empty lines; the recipient's block is the second.
        String[] blocks = text.replace("\r\n ", " ").split("\r\n\r\n");
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (String block : blocks) {
            for (String line : block.split("\r\n")) {
                int colon = line.indexOf(": ");
                if (colon > 0) {
                    fields.put(line.substring(0, colon), line.substring(colon + 2));
                }
            }
        }
        return fields.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
