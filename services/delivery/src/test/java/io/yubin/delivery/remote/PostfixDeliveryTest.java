package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.DeliveryStatus;
import io.yubin.testing.bind9.Bind9Server;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
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
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote delivery end to end with real parts: BIND 9 answers the MX lookups, the first MX
 * (127.0.0.3) is down, the second is a real Postfix on 127.0.0.2 with STARTTLS that delivers into
 * Maildirs the test reads.
 */
class PostfixDeliveryTest {

    static final String PEER_ZONE = """
            $TTL 300
            @ IN SOA ns.peer.test. hostmaster.peer.test. 1 3600 600 86400 60
            @ IN NS ns.peer.test.
            ns IN A 127.0.0.1
            @ IN MX 5 down.peer.test.
            @ IN MX 10 mx.peer.test.
            down IN A 127.0.0.3
            mx IN A 127.0.0.2
            """;
    static final String NULL_ZONE = """
            $TTL 300
            @ IN SOA ns.nullmx.test. hostmaster.nullmx.test. 1 3600 600 86400 60
            @ IN NS ns.nullmx.test.
            ns IN A 127.0.0.1
            @ IN MX 0 .
            """;

    @TempDir
    static Path dnsDir;
    static Bind9Server bind;
    static PostfixPeer postfix;
    static ExecutorService dnsExecutor;
    static Vertx vertx;
    static SmtpClient client;
    static RemoteDelivery delivery;

    static int port;

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @BeforeAll
    static void start() throws Exception {
        bind = new Bind9Server(dnsDir, Map.of("peer.test", PEER_ZONE, "nullmx.test", NULL_ZONE));
        port = freePort();
        postfix = new PostfixPeer("127.0.0.2", port, "peer.test", List.of("bob", "carol", "dave"));
        dnsExecutor = Executors.newCachedThreadPool();
        StubResolver dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), dnsExecutor,
                Clock.systemUTC());
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        client = new SmtpClient(vertx, RemoteSettings.defaults("out.yubin.test").withPort(port)
                .withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(30))));
        delivery = new RemoteDelivery(new MxResolver(dns, AddressOrder.IPV6_FIRST, new SecureRandom()), client);
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (vertx != null) {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
        if (postfix != null) {
            postfix.close();
        }
        if (bind != null) {
            bind.close();
        }
        if (dnsExecutor != null) {
            dnsExecutor.shutdownNow();
        }
    }

    /** A port free on 127.0.0.2 and 127.0.0.3 (where nothing will listen: the MX that is down). */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket two = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.2"));
                    ServerSocket three = new ServerSocket(two.getLocalPort(), 1, InetAddress.getByName("127.0.0.3"))) {
                return two.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no port free on both 127.0.0.2 and 127.0.0.3");
    }

    /** An 8-bit body of about 200 KB: several BDAT chunks. */
    static byte[] body() {
        StringBuilder text = new StringBuilder("From: alice@yubin.test\r\nTo: bob@peer.test\r\nSubject: r\u00e9sum\u00e9\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        for (int i = 0; i < 4000; i++) {
            text.append("line ").append(i).append(": d\u00e9j\u00e0 vu, na\u00efve caf\u00e9\r\n");
            if (i % 500 == 0) {
                text.append(".a line starting with a dot\r\n");
            }
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void deliversThroughTheSecondMxOverStarttlsIntoPostfixsMaildirs() throws Exception {
        byte[] body = body();
        OutboundMessage message = new OutboundMessage(MailAddress.parse("alice@yubin.test"), body.length,
                Envelope.BodyType.EIGHT_BIT_MIME, false,
                () -> CompletableFuture.completedFuture(new ByteArrayInputStream(body)));
        List<MailAddress> recipients = List.of(MailAddress.parse("bob@peer.test"), MailAddress.parse("nobody@peer.test"),
                MailAddress.parse("x@nullmx.test"), MailAddress.parse("carol@peer.test"));

        List<RecipientResult> results = delivery.deliver(message, recipients).toCompletableFuture()
                .get(120, TimeUnit.SECONDS);

        assertThat(results).extracting(RecipientResult::recipient).containsExactlyElementsOf(recipients);
        assertThat(results).extracting(RecipientResult::status).containsExactly(DeliveryStatus.DELIVERED,
                DeliveryStatus.FAILED, DeliveryStatus.FAILED, DeliveryStatus.DELIVERED);
        // Postfix counts the octets in its reply to BDAT LAST (to DATA it says "Ok: queued as"): CHUNKING was used.
        assertThat(results.get(0).reply()).matches("250 2\\.0\\.0 Ok: " + body.length + " bytes queued as \\w+");
        assertThat(results.get(0).remoteMta()).isEqualTo("mx.peer.test [127.0.0.2]");
        assertThat(results.get(1).reply()).startsWith("550 5.1.1 <nobody@peer.test>");
        assertThat(results.get(2).reply()).startsWith("556 5.1.10 ");

        for (String user : List.of("bob", "carol")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> postfix.messages(user).size() == 1);
            byte[] stored = postfix.messages(user).get(0);
            String text = new String(stored, StandardCharsets.UTF_8);
            // Postfix's trace header: encrypted (ESMTPS) by STARTTLS, from our EHLO name.
            assertThat(text).contains("from out.yubin.test", "with ESMTPS");
            assertThat(text).contains("Subject: r\u00e9sum\u00e9\n");
            // Maildir lines end in LF; the body (after the header section, where Postfix adds its own
            // fields) arrived octet for octet apart from that, 8-bit and dot-lines included.
            String sent = new String(body, StandardCharsets.UTF_8).replace("\r\n", "\n");
            assertThat(sha256(text.substring(text.indexOf("\n\n"))))
                    .isEqualTo(sha256(sent.substring(sent.indexOf("\n\n"))));
        }
    }

    @Test
    void anEightBitMessageReachesAServerWithout8BitMimeAsQuotedPrintable() throws Exception {
        byte[] body = body();
        OutboundMessage message = new OutboundMessage(MailAddress.parse("alice@yubin.test"), body.length,
                Envelope.BodyType.EIGHT_BIT_MIME, false,
                () -> CompletableFuture.completedFuture(new ByteArrayInputStream(body)));
        // Postfix offers no 8BITMIME to this source address (PostfixPeer).
        RemoteSettings settings = RemoteSettings.defaults("out.yubin.test").withPort(port)
                .withSourceAddress(PostfixPeer.NO_8BITMIME_CLIENT)
                .withTimeouts(RemoteSettings.Timeouts.all(Duration.ofSeconds(30)));
        try (SmtpClient sevenBit = new SmtpClient(vertx, settings)) {
            List<RecipientResult> results = sevenBit.deliver(List.of(new MxHost("mx.peer.test", 10,
                    List.of(InetAddress.getByName("127.0.0.2")))), message, List.of(MailAddress.parse("dave@peer.test")))
                    .await(120, TimeUnit.SECONDS);
            assertThat(results).singleElement().satisfies(r -> assertThat(r.status()).as(r.toString())
                    .isEqualTo(DeliveryStatus.DELIVERED));
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> postfix.messages("dave").size() == 1);
        byte[] stored = postfix.messages("dave").get(0);
        String text = new String(stored, StandardCharsets.UTF_8);
        assertThat(text.substring(text.indexOf("Subject:")).chars()).as("arrived 7-bit").allMatch(c -> c < 128);
        assertThat(text).contains("Subject: =?", "Content-Transfer-Encoding: quoted-printable\n");
        Message parsed = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(stored));
        assertThat(parsed.getSubject()).isEqualTo("r\u00e9sum\u00e9");
        String decoded;
        try (InputStream in = ((SingleBody) parsed.getBody()).getInputStream()) {
            decoded = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        }
        String sent = new String(body, StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertThat(decoded).isEqualTo(sent.substring(sent.indexOf("\n\n") + 2));
    }
}
