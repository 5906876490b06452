package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.yubin.delivery.mtasts.MtaStsPolicy;
import io.yubin.delivery.tlsrpt.TlsReportPolicy;
import io.yubin.delivery.mtasts.MtaStsTrust;
import io.yubin.delivery.mtasts.TestCa;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The SMTP client against scripted peers on loopback addresses (the real Postfix: PostfixDeliveryTest). */
class SmtpClientTest {

    static final MailAddress SENDER = MailAddress.parse("alice@yubin.test");
    static final MailAddress BOB = MailAddress.parse("bob@peer.test");
    static final MailAddress CAROL = MailAddress.parse("carol@peer.test");
    static final MailAddress DAVE = MailAddress.parse("dave@peer.test");

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    private Vertx vertx;
    private final List<ScriptedPeer> peers = new ArrayList<>();
    private final List<SmtpClient> clients = new ArrayList<>();
    private int port;

    @BeforeEach
    void start() throws IOException {
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        port = freePort();
    }

    @AfterEach
    void stop() throws Exception {
        for (ScriptedPeer peer : peers) {
            peer.close();
        }
        clients.forEach(SmtpClient::close);
        vertx.close().await(30, TimeUnit.SECONDS);
    }

    /** A port free on 127.0.0.2 to 127.0.0.5, so peers on several addresses share the client's one port. */
    private static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            int candidate;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"))) {
                candidate = probe.getLocalPort();
            }
            boolean free = true;
            for (int last = 3; last <= 5 && free; last++) {
                try (ServerSocket other = new ServerSocket(candidate, 1, InetAddress.getByName("127.0.0." + last))) {
                    free = true;
                } catch (IOException taken) {
                    free = false;
                }
            }
            if (free) {
                return candidate;
            }
        }
        throw new IOException("no port free on 127.0.0.2 to 127.0.0.5");
    }

    private ScriptedPeer peer(String address, BiFunction<Integer, String, String> script) throws IOException {
        ScriptedPeer peer = new ScriptedPeer(address, port, script);
        peers.add(peer);
        return peer;
    }

    /** A session per message, so each test sees its sessions whole; sessions kept: the reuse tests. */
    private RemoteSettings settings() {
        return RemoteSettings.defaults("out.yubin.test").withPort(port)
                .withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(10))).withReuse(RemoteSettings.Reuse.NONE);
    }

    private SmtpClient client(RemoteSettings settings) {
        SmtpClient client = new SmtpClient(vertx, settings);
        clients.add(client);
        return client;
    }

    private static MxHost host(String name, String address) throws IOException {
        return new MxHost(name, 10, List.of(InetAddress.getByName(address)));
    }

    static OutboundMessage message(byte[] body, Envelope.BodyType type, boolean smtpUtf8) {
        return new OutboundMessage(SENDER, body.length, type, smtpUtf8,
                () -> CompletableFuture.completedFuture(new ByteArrayInputStream(body)));
    }

    static OutboundMessage message(String body) {
        return message(body.getBytes(StandardCharsets.US_ASCII), Envelope.BodyType.SEVEN_BIT, false);
    }

    private static List<RecipientResult> deliver(SmtpClient client, List<MxHost> hosts, OutboundMessage message,
            MailAddress... recipients) throws Exception {
        return client.deliver(hosts, message, List.of(recipients)).await(60, TimeUnit.SECONDS);
    }

    private static List<String> commandsOf(ScriptedPeer peer, int connection) {
        return peer.commands.stream().filter(c -> c.startsWith(connection + " ")).map(c -> c.substring(c.indexOf(' ') + 1))
                .toList();
    }

    static final String BODY = "Subject: hello\r\n\r\nline one\r\n.starts with a dot\r\n..two dots\r\nend";

    @Test
    void pipelinesTheEnvelopeAndSendsBdatChunksForAllRecipientsOnOneConnection() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("PIPELINING", "CHUNKING", "SIZE 10000000", "8BITMIME"));
        byte[] body = new byte[200_000];
        new Random(7).nextBytes(body);
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + (body[i] & 0x0f)); // 7-bit text; size spans four chunks
        }
        List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(body, Envelope.BodyType.SEVEN_BIT, false), BOB, CAROL, DAVE);

        assertThat(results).extracting(RecipientResult::status).containsOnly(DeliveryStatus.DELIVERED);
        assertThat(results).extracting(RecipientResult::reply).containsOnly("250 2.0.0 queued as BDAT");
        assertThat(results.get(0).remoteMta()).isEqualTo("mx.peer.test [127.0.0.2]");
        assertThat(peer.connections()).isEqualTo(1);
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test",
                "MAIL FROM:<alice@yubin.test> SIZE=200000", "RCPT TO:<bob@peer.test>", "RCPT TO:<carol@peer.test>",
                "RCPT TO:<dave@peer.test>", "BDAT 65536", "BDAT 65536", "BDAT 65536", "BDAT 3392 LAST", "QUIT");
        assertThat(peer.bodies).singleElement().satisfies(b -> assertThat(b).isEqualTo(body));
    }

    @Test
    void sendsDataWithDotStuffingWhenChunkingIsNotOffered() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard());
        List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(BODY), BOB);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
            assertThat(r.detail()).isEqualTo("end of data");
        });
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test", "MAIL FROM:<alice@yubin.test>",
                "RCPT TO:<bob@peer.test>", "DATA", "<end of data>", "QUIT");
        // The peer removed one dot per line; a CRLF was added before the end mark.
        assertThat(new String(peer.bodies.get(0), StandardCharsets.US_ASCII)).isEqualTo(BODY + "\r\n");
    }

    @Test
    void eachRecipientGetsItsOwnRcptReplyWhenPipelined() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", (n, command) -> command.startsWith("RCPT TO:<carol")
                ? "550 5.1.1 <carol@peer.test>: no such user"
                : command.startsWith("RCPT TO:<dave") ? "452 4.2.2 mailbox full"
                : ScriptedPeer.standard("PIPELINING").apply(n, command));
        List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(BODY), BOB, CAROL, DAVE);

        assertThat(results).extracting(RecipientResult::status)
                .containsExactly(DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.DEFERRED);
        assertThat(results.get(1).reply()).isEqualTo("550 5.1.1 <carol@peer.test>: no such user");
        assertThat(results.get(1).detail()).isEqualTo("RCPT TO");
        assertThat(results.get(1).describe())
                .isEqualTo("550 5.1.1 <carol@peer.test>: no such user (mx.peer.test [127.0.0.2], in reply to RCPT TO)");
        assertThat(results.get(2).reply()).isEqualTo("452 4.2.2 mailbox full");
        assertThat(peer.bodies).hasSize(1);
    }

    @Test
    void transientFailureDefersAndTheNextAttemptDelivers() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", (n, command) -> n == 1 && command.equals("<end of data>")
                ? "451 4.3.0 try again later"
                : ScriptedPeer.standard().apply(n, command));
        SmtpClient client = client(settings());
        List<MxHost> hosts = List.of(host("mx.peer.test", "127.0.0.2"));

        assertThat(deliver(client, hosts, message(BODY), BOB)).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).isEqualTo("451 4.3.0 try again later");
        });
        assertThat(deliver(client, hosts, message(BODY), BOB)).singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(peer.connections()).isEqualTo(2);
    }

    @Test
    void permanentReplyAfterDataFailsTheAcceptedRecipients() throws Exception {
        peer("127.0.0.2", (n, command) -> command.equals("<end of data>") ? "554-5.7.1 spam\r\n554 5.7.1 go away"
                : ScriptedPeer.standard().apply(n, command));
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB, CAROL))
                .allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(DeliveryStatus.FAILED);
                    assertThat(r.reply()).isEqualTo("554 5.7.1 spam 5.7.1 go away");
                });
    }

    @Test
    void connectionLostDuringDataDefersAndDoesNotTryAnotherHost() throws Exception {
        ScriptedPeer dropping = peer("127.0.0.2", (n, command) -> command.equals("<end of data>") ? ScriptedPeer.CLOSE
                : ScriptedPeer.standard().apply(n, command));
        ScriptedPeer second = peer("127.0.0.3", ScriptedPeer.standard());
        List<RecipientResult> results = deliver(client(settings()),
                List.of(host("mx1.peer.test", "127.0.0.2"), host("mx2.peer.test", "127.0.0.3")), message(BODY), BOB);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).startsWith("451 4.4.2 lost connection with mx1.peer.test [127.0.0.2] while sending END_OF_DATA");
        });
        assertThat(dropping.bodies).hasSize(1);
        assertThat(second.connections()).isZero();
    }

    @Test
    void triesTheNextHostWhenConnectionIsRefusedOrTheGreetingIs4xx() throws Exception {
        // 127.0.0.3: nothing listens. 127.0.0.4: 421 greeting. 127.0.0.2: takes the message.
        ScriptedPeer busy = peer("127.0.0.4", (n, command) -> command.equals("<connect>")
                ? "421 4.3.2 too busy" : ScriptedPeer.standard().apply(n, command));
        ScriptedPeer good = peer("127.0.0.2", ScriptedPeer.standard());
        List<RecipientResult> results = deliver(client(settings()), List.of(host("down.peer.test", "127.0.0.3"),
                host("busy.peer.test", "127.0.0.4"), host("good.peer.test", "127.0.0.2")), message(BODY), BOB);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
            assertThat(r.remoteMta()).isEqualTo("good.peer.test [127.0.0.2]");
        });
        assertThat(commandsOf(busy, 1)).containsExactly("QUIT");
        assertThat(good.connections()).isEqualTo(1);
    }

    @Test
    void connectTimeoutMovesOnToTheNextHost() throws Exception {
        // A listener whose accept queue is full: Linux drops further SYNs, so a connection attempt
        // hangs until the client gives up (without the connect timeout, for minutes of SYN retries).
        List<java.net.Socket> fillers = new ArrayList<>();
        try (ServerSocket full = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.4"))) {
            for (int i = 0; i < 3; i++) {
                java.net.Socket filler = new java.net.Socket();
                try {
                    filler.connect(full.getLocalSocketAddress(), 300);
                    fillers.add(filler);
                } catch (IOException queueFull) {
                    filler.close();
                    break;
                }
            }
            ScriptedPeer good = peer("127.0.0.2", ScriptedPeer.standard());
            RemoteSettings settings = settings().withTimeouts(new RemoteSettings.Timeouts(Duration.ofMillis(700),
                    Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(10),
                    Duration.ofSeconds(10)));
            List<RecipientResult> results = client(settings).deliver(List.of(host("full.peer.test", "127.0.0.4"),
                    host("good.peer.test", "127.0.0.2")), message(BODY), List.of(BOB)).await(20, TimeUnit.SECONDS);

            assertThat(results).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED);
                assertThat(r.remoteMta()).isEqualTo("good.peer.test [127.0.0.2]");
            });
            assertThat(good.connections()).isEqualTo(1);
        } finally {
            for (java.net.Socket filler : fillers) {
                filler.close();
            }
        }
    }

    @Test
    void everyHostFailingDefersWithTheLastProblem() throws Exception {
        peer("127.0.0.2", (n, command) -> command.equals("<connect>") ? "554 5.7.1 no service here"
                : ScriptedPeer.standard().apply(n, command));
        List<RecipientResult> results = deliver(client(settings()),
                List.of(host("down.peer.test", "127.0.0.3"), host("closed.peer.test", "127.0.0.2")), message(BODY), BOB);

        // Like Postfix's smtp_skip_5xx_greeting: a 5xx greeting is a server refusing to talk, not a verdict.
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).isEqualTo("554 5.7.1 no service here");
            assertThat(r.remoteMta()).isEqualTo("closed.peer.test [127.0.0.2]");
        });
    }

    @Test
    void silentServerTimesOutAndTheNextHostIsTried() throws Exception {
        ScriptedPeer silent = peer("127.0.0.3", (n, command) -> command.startsWith("EHLO") ? "250-peer\r\n250-PIPELINING" // never ends
                : ScriptedPeer.standard().apply(n, command));
        ScriptedPeer good = peer("127.0.0.2", ScriptedPeer.standard());
        RemoteSettings quick = settings().withTimeouts(RemoteSettings.Timeouts.all(Duration.ofMillis(800)));
        List<RecipientResult> results = deliver(client(quick),
                List.of(host("silent.peer.test", "127.0.0.3"), host("good.peer.test", "127.0.0.2")), message(BODY), BOB);

        assertThat(results).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(silent.connections()).isEqualTo(1);
    }

    @Test
    void aDeliveryOutlastingItsBoundIsCutBeforeItsEndOfDataAndTriesNoFurtherHost() throws Exception {
        // Each step is far within its own timeout; together they outlast the bound on the delivery.
        ScriptedPeer stalling = peer("127.0.0.2", (n, command) -> command.equals("DATA") ? "354-go ahead" // never ends
                : ScriptedPeer.standard().apply(n, command));
        ScriptedPeer slowGreeting = peer("127.0.0.3", (n, command) -> command.equals("<connect>") ? "220-hello" // never ends
                : ScriptedPeer.standard().apply(n, command));
        ScriptedPeer good = peer("127.0.0.4", ScriptedPeer.standard());
        RemoteSettings bounded = settings().withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(30))
                .withDelivery(Duration.ofSeconds(2)));
        SmtpClient client = client(bounded);

        long start = System.nanoTime();
        List<RecipientResult> inData = deliver(client, List.of(host("stalling.peer.test", "127.0.0.2"),
                host("good.peer.test", "127.0.0.4")), message(BODY), BOB);
        List<RecipientResult> inGreeting = deliver(client, List.of(host("slow.peer.test", "127.0.0.3"),
                host("good.peer.test", "127.0.0.4")), message(BODY), BOB);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(25));
        assertThat(inData).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).isEqualTo("451 4.4.2 lost connection with stalling.peer.test [127.0.0.2] while "
                    + "sending DATA: the delivery took longer than 2 s");
        });
        assertThat(stalling.bodies).isEmpty();
        assertThat(inGreeting).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).isEqualTo("451 4.4.7 the delivery took longer than 2 s; will retry");
        });
        assertThat(slowGreeting.connections()).isEqualTo(1);
        assertThat(good.connections()).as("no host tried after the bound").isZero();
    }

    @Test
    void fallsBackToHeloWhenEhloIsRefused() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", (n, command) -> command.startsWith("EHLO") ? "502 5.5.2 what?"
                : ScriptedPeer.standard().apply(n, command));
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB))
                .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(commandsOf(peer, 1)).startsWith("EHLO out.yubin.test", "HELO out.yubin.test",
                "MAIL FROM:<alice@yubin.test>");
    }

    @Test
    void failedTlsHandshakeIsRetriedOnTheSameHostInPlaintext() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("STARTTLS", "PIPELINING"));
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB))
                .singleElement().satisfies(r -> assertThat(r.status()).as(r.toString()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(peer.connections()).as(peer.commands.toString()).isEqualTo(2);
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test", "STARTTLS");
        assertThat(commandsOf(peer, 2)).startsWith("EHLO out.yubin.test", "MAIL FROM:<alice@yubin.test>")
                .doesNotContain("STARTTLS");
    }

    @Test
    void refusedStarttlsContinuesInPlaintext() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", (n, command) -> command.equals("STARTTLS") ? "454 4.7.0 TLS not available"
                : ScriptedPeer.standard("STARTTLS").apply(n, command));
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB))
                .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(commandsOf(peer, 1)).startsWith("EHLO out.yubin.test", "STARTTLS", "MAIL FROM:<alice@yubin.test>");
    }

    @Test
    void requiredTlsDefersWhenTheHandshakeFailsOrStarttlsIsMissing() throws Exception {
        peer("127.0.0.2", ScriptedPeer.standard("STARTTLS"));
        ScriptedPeer plain = peer("127.0.0.3", ScriptedPeer.standard());
        RemoteSettings required = settings().withTls(TlsPolicy.REQUIRED);
        List<RecipientResult> results = deliver(client(required),
                List.of(host("tls.peer.test", "127.0.0.2"), host("plain.peer.test", "127.0.0.3")), message(BODY), BOB);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).startsWith("451 4.7.4 TLS is required, but plain.peer.test [127.0.0.3]");
        });
        assertThat(commandsOf(plain, 1)).containsExactly("EHLO out.yubin.test", "QUIT");
    }

    @Test
    void mtaStsEnforceNeverFallsBackToPlaintext() throws Exception {
        ScriptedPeer plain = peer("127.0.0.2", ScriptedPeer.standard());
        ScriptedPeer broken = peer("127.0.0.3", ScriptedPeer.standard("STARTTLS"));
        List<RecipientResult> results = client(settings()).deliver(
                List.of(host("plain.peer.test", "127.0.0.2"), host("tls.peer.test", "127.0.0.3")), message(BODY),
                List.of(BOB), MtaStsPolicy.Mode.ENFORCE, TlsReportPolicy.none("peer.test")).await(60, TimeUnit.SECONDS);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).startsWith("451 4.7.5 MTA-STS: TLS with tls.peer.test [127.0.0.3] failed");
        });
        assertThat(commandsOf(plain, 1)).containsExactly("EHLO out.yubin.test", "QUIT");
        // Opportunistic TLS would connect again at once and send in plaintext; enforce does not.
        assertThat(broken.commands).isNotEmpty().allSatisfy(c -> assertThat(c).startsWith("1 "))
                .noneMatch(c -> c.contains("MAIL FROM"));
    }

    @Test
    void serverWithoutStarttlsGetsThePlaintextSessionByDefault() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("8BITMIME"));
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB))
                .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(commandsOf(peer, 1)).doesNotContain("STARTTLS");
    }

    @Test
    void eightBitHeaderFieldsCannotBeConvertedForAServerWithout8BitMime() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("PIPELINING"));
        byte[] body = "X-Note: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n".getBytes(StandardCharsets.UTF_8);
        List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(body, Envelope.BodyType.EIGHT_BIT_MIME, false), BOB);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.FAILED);
            assertThat(r.reply()).isEqualTo("554 5.6.3 the message has 8-bit content, mx.peer.test [127.0.0.2] "
                    + "does not support 8BITMIME, and it cannot be converted to 7-bit: the header field X-Note has "
                    + "8-bit octets");
        });
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test", "QUIT");
    }

    @Test
    void eightBitBodyIsConvertedToQuotedPrintableForAServerWithout8BitMime() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("PIPELINING", "SIZE 1000000"));
        byte[] body = ("MIME-Version: 1.0\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nd\u00e9j\u00e0 vu\r\n.dot\r\n").getBytes(StandardCharsets.UTF_8);
        List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(body, Envelope.BodyType.EIGHT_BIT_MIME, false), BOB);

        assertThat(results).singleElement().satisfies(r -> assertThat(r.status()).as(r.toString())
                .isEqualTo(DeliveryStatus.DELIVERED));
        byte[] sent = peer.bodies.get(0);
        String text = new String(sent, StandardCharsets.US_ASCII);
        assertThat(text).contains("Content-Transfer-Encoding: quoted-printable\r\n", "d=C3=A9j=C3=A0 vu\r\n=2Edot")
                .doesNotContain("8bit");
        for (byte b : sent) {
            assertThat(b).isNotNegative();
        }
        assertThat(commandsOf(peer, 1)).contains("MAIL FROM:<alice@yubin.test> SIZE=" + sent.length);
    }

    @Test
    void undeclaredEightBitContentFoundWhileSendingFailsAndIsNeverEnded() throws Exception {
        ScriptedPeer data = peer("127.0.0.2", ScriptedPeer.standard());
        ScriptedPeer chunking = peer("127.0.0.3", ScriptedPeer.standard("CHUNKING"));
        byte[] body = "Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n".getBytes(StandardCharsets.UTF_8);
        for (String address : List.of("127.0.0.2", "127.0.0.3")) {
            List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", address)),
                    message(body, Envelope.BodyType.SEVEN_BIT, false), BOB);
            assertThat(results).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(DeliveryStatus.FAILED);
                assertThat(r.reply()).startsWith("554 5.6.3 the message has 8-bit content, mx.peer.test [" + address
                        + "] does not support 8BITMIME");
            });
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> commandsOf(data, 1).contains("DATA"));
        assertThat(data.bodies).isEmpty();
        assertThat(commandsOf(chunking, 1)).noneMatch(c -> c.startsWith("BDAT"));
        assertThat(chunking.bodies).isEmpty();
    }

    @Test
    void eightBitMessageIsDeclaredToAServerWith8BitMime() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("8BITMIME"));
        byte[] body = "Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n".getBytes(StandardCharsets.UTF_8);
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(body, Envelope.BodyType.EIGHT_BIT_MIME, false), BOB))
                .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(commandsOf(peer, 1)).contains("MAIL FROM:<alice@yubin.test> BODY=8BITMIME");
        assertThat(peer.bodies.get(0)).isEqualTo(body);
    }

    @Test
    void smtpUtf8MessageToServerWithoutSmtpUtf8Fails() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("8BITMIME"));
        MailAddress utf8 = MailAddress.parse("j\u00f6rg@peer.test", true);
        List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(BODY.getBytes(StandardCharsets.US_ASCII), Envelope.BodyType.EIGHT_BIT_MIME, true), utf8);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.FAILED);
            assertThat(r.reply()).startsWith("553 5.6.7 the message needs SMTPUTF8");
        });
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test", "QUIT");
    }

    @Test
    void smtpUtf8MessageIsSentToAServerThatOffersIt() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("8BITMIME", "SMTPUTF8"));
        MailAddress utf8 = MailAddress.parse("j\u00f6rg@peer.test", true);
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                message(BODY.getBytes(StandardCharsets.US_ASCII), Envelope.BodyType.EIGHT_BIT_MIME, true), utf8))
                .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(commandsOf(peer, 1)).contains("MAIL FROM:<alice@yubin.test> BODY=8BITMIME SMTPUTF8",
                "RCPT TO:<j\u00f6rg@peer.test>");
    }

    @Test
    void messageLargerThanTheServersSizeLimitFails() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("SIZE 20"));
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB))
                .singleElement().satisfies(r -> {
                    assertThat(r.status()).isEqualTo(DeliveryStatus.FAILED);
                    assertThat(r.reply()).startsWith("552 5.3.4 the message of " + BODY.length() + " octets");
                });
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test", "QUIT");
    }

    @Test
    void mailFromRefusalDecidesEveryRecipient() throws Exception {
        peer("127.0.0.2", (n, command) -> command.startsWith("MAIL") ? "550 5.7.1 sender refused"
                : ScriptedPeer.standard("PIPELINING").apply(n, command));
        assertThat(deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB, CAROL))
                .allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(DeliveryStatus.FAILED);
                    assertThat(r.detail()).isEqualTo("MAIL FROM");
                });
    }

    @Test
    void connectsFromTheConfiguredSourceAddress() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard());
        assertThat(deliver(client(settings().withSourceAddress("127.0.0.9")),
                List.of(host("mx.peer.test", "127.0.0.2")), message(BODY), BOB))
                .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(peer.clientAddresses).containsExactly("127.0.0.9");
    }

    @Test
    void unreadableBodyDefersAndNeverEndsTheData() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("PIPELINING"));
        byte[] start = new byte[RemoteTransaction.CHUNK];
        Arrays.fill(start, (byte) 'a');
        OutboundMessage broken = new OutboundMessage(SENDER, 3L * RemoteTransaction.CHUNK, Envelope.BodyType.SEVEN_BIT,
                false, () -> CompletableFuture.completedFuture(new java.io.SequenceInputStream(
                        new ByteArrayInputStream(start), new InputStream() {
                            @Override
                            public int read() throws IOException {
                                throw new IOException("blob store went away");
                            }
                        })));
        List<RecipientResult> results = deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")),
                broken, BOB);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).isEqualTo("451 4.3.0 could not read the message to send it: blob store went away");
            assertThat(r.remoteMta()).isNull();
        });
        // The peer saw the data start and the connection end without the end mark: no message.
        await().atMost(Duration.ofSeconds(30)).until(() -> commandsOf(peer, 1).contains("DATA"));
        assertThat(peer.bodies).isEmpty();
    }

    @Test
    void nullSenderIsSentAsAnEmptyReversePath() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard());
        byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
        OutboundMessage bounce = new OutboundMessage(null, body.length, Envelope.BodyType.SEVEN_BIT, false,
                () -> CompletableFuture.completedFuture(new ByteArrayInputStream(body)));
        deliver(client(settings()), List.of(host("mx.peer.test", "127.0.0.2")), bounce, BOB);
        assertThat(commandsOf(peer, 1)).contains("MAIL FROM:<>");
        assertThat(peer.bodies).hasSize(1);
    }

    /** A peer on {@code address} with a certificate of {@code ca} for {@code names}, offering STARTTLS. */
    private ScriptedPeer tlsPeer(String address, TestCa ca, String names,
            String... extensions) throws Exception {
        String[] offered = new String[extensions.length + 1];
        offered[0] = "STARTTLS";
        System.arraycopy(extensions, 0, offered, 1, extensions.length);
        ScriptedPeer peer = new ScriptedPeer(address, port, ScriptedPeer.standard(offered),
                ca.issue(names).serverContext());
        peers.add(peer);
        return peer;
    }

    private SmtpClient trusting(TestCa ca, Path dir) throws Exception {
        SmtpClient client = new SmtpClient(vertx, settings(),
                MtaStsTrust.load(ca.writeCertificate(dir.resolve("ca.pem"))));
        clients.add(client);
        return client;
    }

    static OutboundMessage requireTls(String body) {
        return message(body).withTls(Envelope.TlsRequirement.REQUIRETLS);
    }

    @Test
    void requireTlsIsCarriedOverValidatedTlsToAServerThatOffersIt(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa("REQUIRETLS test CA");
        ScriptedPeer peer = tlsPeer("127.0.0.2", ca, "mx.peer.test", "PIPELINING", "REQUIRETLS");
        List<RecipientResult> results = trusting(ca, dir).deliver(List.of(host("mx.peer.test", "127.0.0.2")),
                requireTls(BODY), List.of(BOB)).await(60, TimeUnit.SECONDS);

        assertThat(results).singleElement().satisfies(r -> assertThat(r.status()).as(r.toString())
                .isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(commandsOf(peer, 1)).containsSubsequence("STARTTLS", "<tls>", "EHLO out.yubin.test",
                "MAIL FROM:<alice@yubin.test> REQUIRETLS");
    }

    @Test
    void requireTlsFailsAtAServerThatDoesNotOfferItAndSendsNothing(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa("REQUIRETLS test CA");
        ScriptedPeer peer = tlsPeer("127.0.0.2", ca, "mx.peer.test", "PIPELINING");
        List<RecipientResult> results = trusting(ca, dir).deliver(List.of(host("mx.peer.test", "127.0.0.2")),
                requireTls(BODY), List.of(BOB, CAROL)).await(60, TimeUnit.SECONDS);

        assertThat(results).hasSize(2).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.FAILED);
            assertThat(r.reply()).isEqualTo("550 5.7.30 REQUIRETLS support required, but mx.peer.test [127.0.0.2] "
                    + "does not offer REQUIRETLS");
        });
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test", "STARTTLS", "<tls>",
                "EHLO out.yubin.test", "QUIT");
    }

    @Test
    void requireTlsNeverFallsBackToPlaintextNorToACertificateThatDoesNotValidate(@TempDir Path dir) throws Exception {
        TestCa ca = new TestCa("REQUIRETLS test CA");
        ScriptedPeer plain = peer("127.0.0.2", ScriptedPeer.standard("REQUIRETLS"));
        ScriptedPeer misnamed = tlsPeer("127.0.0.3", ca, "other.peer.test", "REQUIRETLS");
        List<RecipientResult> results = trusting(ca, dir).deliver(
                List.of(host("plain.peer.test", "127.0.0.2"), host("tls.peer.test", "127.0.0.3")), requireTls(BODY),
                List.of(BOB)).await(60, TimeUnit.SECONDS);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(r.reply()).startsWith("451 4.7.5 REQUIRETLS: TLS with tls.peer.test [127.0.0.3] failed");
        });
        assertThat(commandsOf(plain, 1)).containsExactly("EHLO out.yubin.test", "QUIT");
        assertThat(misnamed.connections()).isEqualTo(1);
        assertThat(misnamed.commands).noneMatch(c -> c.contains("MAIL FROM"));
    }

    private SmtpClient reusing(int maxMessages, Duration idle) {
        return client(settings().withReuse(new RemoteSettings.Reuse(maxMessages, idle)));
    }

    @Test
    void aSessionIsKeptForTheNextMessageToTheSameServerAndEndsAtItsMessageLimit() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard("PIPELINING"));
        SmtpClient client = reusing(3, Duration.ofSeconds(30));
        List<MxHost> hosts = List.of(host("mx.peer.test", "127.0.0.2"));
        for (int i = 0; i < 4; i++) {
            assertThat(deliver(client, hosts, message(BODY + i), BOB)).singleElement()
                    .satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        }

        assertThat(peer.connections()).isEqualTo(2);
        assertThat(commandsOf(peer, 1)).containsExactly("EHLO out.yubin.test",
                "MAIL FROM:<alice@yubin.test>", "RCPT TO:<bob@peer.test>", "DATA", "<end of data>",
                "RSET", "MAIL FROM:<alice@yubin.test>", "RCPT TO:<bob@peer.test>", "DATA", "<end of data>",
                "RSET", "MAIL FROM:<alice@yubin.test>", "RCPT TO:<bob@peer.test>", "DATA", "<end of data>", "QUIT");
        assertThat(peer.bodies).hasSize(4);
        assertThat(client.keptSessions()).isEqualTo(1);
    }

    @Test
    void aKeptSessionEndsWithQuitWhenNoMessageComesWithinTheIdleTime() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard());
        SmtpClient client = reusing(100, Duration.ofMillis(300));
        List<MxHost> hosts = List.of(host("mx.peer.test", "127.0.0.2"));
        deliver(client, hosts, message(BODY), BOB);
        await().atMost(Duration.ofSeconds(10)).until(() -> commandsOf(peer, 1).contains("QUIT"));
        assertThat(client.keptSessions()).isZero();

        assertThat(deliver(client, hosts, message(BODY), BOB)).singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(peer.connections()).isEqualTo(2);
    }

    @Test
    void aKeptSessionTheServerDroppedIsReplacedByANewOne() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", (n, command) -> n == 1 && command.equals("RSET") ? ScriptedPeer.CLOSE
                : ScriptedPeer.standard().apply(n, command));
        SmtpClient client = reusing(100, Duration.ofSeconds(30));
        List<MxHost> hosts = List.of(host("mx.peer.test", "127.0.0.2"));
        deliver(client, hosts, message(BODY), BOB);

        assertThat(deliver(client, hosts, message(BODY), CAROL)).singleElement()
                .satisfies(r -> assertThat(r.status()).as(r.toString()).isEqualTo(DeliveryStatus.DELIVERED));
        assertThat(peer.connections()).isEqualTo(2);
        assertThat(commandsOf(peer, 2)).contains("RCPT TO:<carol@peer.test>");
    }

    @Test
    void aSessionIsNotCarriedOverToAMessageThatNeedsOtherTls() throws Exception {
        ScriptedPeer peer = peer("127.0.0.2", ScriptedPeer.standard());
        SmtpClient client = reusing(100, Duration.ofSeconds(30));
        List<MxHost> hosts = List.of(host("mx.peer.test", "127.0.0.2"));
        deliver(client, hosts, message(BODY), BOB);

        List<RecipientResult> results = client.deliver(hosts, message(BODY), List.of(CAROL), MtaStsPolicy.Mode.ENFORCE,
                TlsReportPolicy.none("peer.test"))
                .await(60, TimeUnit.SECONDS);
        assertThat(results).singleElement().satisfies(r -> assertThat(r.reply()).startsWith("451 4.7.4 MTA-STS: TLS is required"));
        assertThat(peer.connections()).isEqualTo(2);
        assertThat(commandsOf(peer, 1)).doesNotContain("RSET");
    }

    @Test
    void dsnParametersGoOnToAServerThatOffersDsnAndToNoOther() throws Exception {
        Envelope envelope = new Envelope(SENDER, List.of(
                new Envelope.Recipient(BOB, java.util.Set.of(Envelope.DsnNotify.FAILURE, Envelope.DsnNotify.SUCCESS),
                        "rfc822;bob@peer.test"),
                new Envelope.Recipient(CAROL, java.util.Set.of(Envelope.DsnNotify.NEVER), "rfc822;list+tag@yubin.test"),
                Envelope.Recipient.of(DAVE)), Envelope.BodyType.SEVEN_BIT, false, Envelope.DsnReturn.HDRS, "abc+def =x");
        OutboundMessage withDsn = message(BODY).withDsn(envelope);
        ScriptedPeer dsn = peer("127.0.0.2", ScriptedPeer.standard("PIPELINING", "DSN"));
        ScriptedPeer plain = peer("127.0.0.3", ScriptedPeer.standard("PIPELINING"));

        deliver(client(settings()), List.of(host("dsn.peer.test", "127.0.0.2")), withDsn, BOB, CAROL, DAVE);
        deliver(client(settings()), List.of(host("plain.peer.test", "127.0.0.3")), withDsn, BOB, CAROL, DAVE);

        assertThat(commandsOf(dsn, 1)).contains("MAIL FROM:<alice@yubin.test> RET=HDRS ENVID=abc+2Bdef+20+3Dx",
                "RCPT TO:<bob@peer.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@peer.test",
                "RCPT TO:<carol@peer.test> NOTIFY=NEVER ORCPT=rfc822;list+2Btag@yubin.test",
                "RCPT TO:<dave@peer.test>");
        assertThat(commandsOf(plain, 1)).contains("MAIL FROM:<alice@yubin.test>", "RCPT TO:<bob@peer.test>",
                "RCPT TO:<carol@peer.test>", "RCPT TO:<dave@peer.test>");
    }
}
