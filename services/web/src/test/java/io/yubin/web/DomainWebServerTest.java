package io.yubin.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The domains' web host over real HTTPS: the MTA-STS policy and the mail client configuration of the
 * domain the Host names, and 404 otherwise.
 */
class DomainWebServerTest {

    static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\nmax_age: 604800\r\n";

    static final String AUTOCONFIG = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">"
            + "<emailProvider id=\"example.test\"><domain>example.test</domain></emailProvider></clientConfig>\n";

    static final String AUTODISCOVER = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Autodiscover xmlns=\"http://schemas."
            + "microsoft.com/exchange/autodiscover/responseschema/2006\"><Response><Account><Protocol><Type>IMAP</Type>"
            + "<LoginName>%EMAILADDRESS%</LoginName></Protocol></Account></Response></Autodiscover>\n";

    /** What Outlook sends. */
    static String outlookRequest(String address) {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/"
                + "autodiscover/outlook/requestschema/2006\">\n  <Request>\n    <EMailAddress>" + address + "</EMailAddress>\n"
                + "    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/"
                + "2006a</AcceptableResponseSchema>\n  </Request>\n</Autodiscover>\n";
    }

    @RegisterExtension
    final BlockedThreadWatch blockedThreads = new BlockedThreadWatch();

    @TempDir
    Path policies;
    private Vertx vertx;
    private DomainWebServer server;
    private WebClient client;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(policies.resolve("example.test.txt"), POLICY);
        Files.writeString(policies.resolve("xn--bcher-kva.example.txt"), POLICY.replace("enforce", "testing"));
        Files.writeString(policies.resolve("example.test.autoconfig.xml"), AUTOCONFIG);
        Files.writeString(policies.resolve("example.test.autodiscover.xml"), AUTODISCOVER);
        vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
        SelfSignedCertificate certificate = SelfSignedCertificate.create("mta-sts.example.test");
        server = DomainWebServer.start(vertx, new DomainWebServer.Options("127.0.0.1", 0, policies,
                certificate.keyCertOptions(), false)).await(30, TimeUnit.SECONDS);
        client = WebClient.create(vertx, new WebClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(30, TimeUnit.SECONDS);
    }

    /** A TLS client context that trusts any certificate (the tests' is self-signed). */
    private static javax.net.ssl.SSLContext trustAll() throws Exception {
        javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
        trustAll.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        return trustAll;
    }

    private static javax.net.ssl.SSLSocket tlsSocket(String host, int port) throws Exception {
        return (javax.net.ssl.SSLSocket) trustAll().getSocketFactory().createSocket(host, port);
    }

    private HttpResponse<Buffer> get(String host, String path) throws Exception {
        return client.get(server.actualPort(), "127.0.0.1", path).virtualHost(host).send().await(30, TimeUnit.SECONDS);
    }

    @Test
    void servesThePolicyOfTheDomainTheHostNames() throws Exception {
        HttpResponse<Buffer> policy = get("mta-sts.example.test", "/.well-known/mta-sts.txt");
        assertThat(policy.statusCode()).isEqualTo(200);
        assertThat(policy.getHeader("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(policy.bodyAsString()).isEqualTo(POLICY);

        assertThat(get("MTA-STS.xn--Bcher-kva.Example.", "/.well-known/mta-sts.txt").bodyAsString()).contains("mode: testing");
    }

    @Test
    void servesTheClientConfigurationWhereThunderbirdLooks() throws Exception {
        HttpResponse<Buffer> config = get("autoconfig.example.test", "/mail/config-v1.1.xml?emailaddress=alice%40example.test");
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.getHeader("Content-Type")).isEqualTo("text/xml; charset=utf-8");
        assertThat(config.bodyAsString()).isEqualTo(AUTOCONFIG);
        assertThat(get("example.test", "/.well-known/autoconfig/mail/config-v1.1.xml").bodyAsString()).isEqualTo(AUTOCONFIG);
        assertThat(get("Autoconfig.Example.Test.", "/.well-known/autoconfig/mail/config-v1.1.xml").bodyAsString())
                .isEqualTo(AUTOCONFIG);

        assertThat(get("autoconfig.xn--bcher-kva.example", "/mail/config-v1.1.xml").statusCode())
                .as("a domain without autoconfig").isEqualTo(404);
        assertThat(get("mta-sts.example.test", "/mail/config-v1.1.xml").statusCode()).as("not the autoconfig host")
                .isEqualTo(404);
        assertThat(get("example.test", "/mail/config-v1.1.xml").statusCode()).isEqualTo(404);
        assertThat(get("autoconfig.example.test", "/.well-known/mta-sts.txt").statusCode()).isEqualTo(404);
    }

    private HttpResponse<Buffer> post(String host, String path, String body) throws Exception {
        return client.post(server.actualPort(), "127.0.0.1", path).virtualHost(host).putHeader("Content-Type", "text/xml")
                .sendBuffer(Buffer.buffer(body)).await(30, TimeUnit.SECONDS);
    }

    @Test
    void answersOutlooksAutodiscoverWithTheAddressItNamed() throws Exception {
        HttpResponse<Buffer> answer = post("autoconfig.example.test", "/Autodiscover/Autodiscover.xml",
                outlookRequest("Alice@Example.Test"));
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.getHeader("Content-Type")).isEqualTo("text/xml; charset=utf-8");
        assertThat(answer.bodyAsString()).isEqualTo(AUTODISCOVER.replace("%EMAILADDRESS%", "Alice@example.test"));
        assertThat(post("autodiscover.example.test", "/autodiscover/autodiscover.xml", outlookRequest("bob@example.test"))
                .bodyAsString()).contains("<LoginName>bob@example.test</LoginName>");
        assertThat(post("example.test", "/autodiscover/autodiscover.xml", outlookRequest("&quot;a&amp;b c&quot;@example.test"))
                .bodyAsString()).as("escaped").contains("<LoginName>&quot;a&amp;b c&quot;@example.test</LoginName>");

        assertThat(post("autoconfig.example.test", "/autodiscover/autodiscover.xml", outlookRequest("carol@other.test"))
                .statusCode()).as("a domain without the file").isEqualTo(404);
        assertThat(post("autoconfig.example.test", "/autodiscover/autodiscover.xml", outlookRequest("not an address"))
                .statusCode()).isEqualTo(400);
        assertThat(post("autoconfig.example.test", "/autodiscover/autodiscover.xml", "<Autodiscover/>").statusCode())
                .isEqualTo(400);
        assertThat(post("autoconfig.example.test", "/autodiscover/autodiscover.xml", "<?xml version=\"1.0\"?>"
                + "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a><EMailAddress>&x;</EMailAddress></a>")
                .statusCode()).as("no DTD, no entities").isEqualTo(400);
        assertThat(post("autoconfig.example.test", "/autodiscover/autodiscover.xml", "x".repeat(20_000)).statusCode())
                .isEqualTo(413);
        assertThat(get("autoconfig.example.test", "/autodiscover/autodiscover.xml").statusCode()).isEqualTo(405);
        assertThat(post("mail.bad_name..test", "/autodiscover/autodiscover.xml", outlookRequest("bob@example.test"))
                .statusCode()).isEqualTo(404);
    }

    @Test
    void aChangedPolicyIsServedAtOnce() throws Exception {
        Files.writeString(policies.resolve("example.test.txt"), POLICY.replace("enforce", "none"));
        assertThat(get("mta-sts.example.test", "/.well-known/mta-sts.txt").bodyAsString()).contains("mode: none");
    }

    @Test
    void everythingElseIsNotFound() throws Exception {
        assertThat(get("mta-sts.other.test", "/.well-known/mta-sts.txt").statusCode()).as("no policy").isEqualTo(404);
        assertThat(get("example.test", "/.well-known/mta-sts.txt").statusCode()).as("not the mta-sts host").isEqualTo(404);
        assertThat(get("mta-sts.example.test", "/").statusCode()).isEqualTo(404);
        assertThat(get("mta-sts.example.test", "/.well-known/mta-sts.txt.bak").statusCode()).isEqualTo(404);
        assertThat(get("mta-sts.bad_name..test", "/.well-known/mta-sts.txt").statusCode()).isEqualTo(404);
        assertThat(client.post(server.actualPort(), "127.0.0.1", "/.well-known/mta-sts.txt")
                .virtualHost("mta-sts.example.test").send().await(30, TimeUnit.SECONDS).statusCode()).isEqualTo(405);
    }

    @Test
    void speaksOnlyTls12And13WithAeadCiphersAsTheProtocolsDo() throws Exception {
        try (javax.net.ssl.SSLSocket tls = tlsSocket("127.0.0.1", server.actualPort())) {
            tls.startHandshake();
            assertThat(tls.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(io.yubin.tls.ServerTls.CIPHER_SUITES).contains(tls.getSession().getCipherSuite());
        }
        for (String[] refused : new String[][] {{"TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
                {"TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"}, {"TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
                {"TLSv1.1", null}}) {
            try (javax.net.ssl.SSLSocket tls = tlsSocket("127.0.0.1", server.actualPort())) {
                tls.setSoTimeout(10_000);
                tls.setEnabledProtocols(new String[] {refused[0]});
                if (refused[1] != null) {
                    tls.setEnabledCipherSuites(new String[] {refused[1]});
                }
                org.assertj.core.api.Assertions.assertThatThrownBy(tls::startHandshake).as(String.join(" ", refused))
                        .isInstanceOf(javax.net.ssl.SSLException.class);
            }
        }
    }

    @Test
    void aClientsRenegotiationIsRefused() throws Exception {
        // TLS 1.2 renegotiation costs the server a handshake each time and gives the client nothing
        assertThat(io.yubin.testing.vertx.OpenSslClient.renegotiate(server.actualPort(), "mta-sts.example.test", null))
                .contains("RENEGOTIATING").contains("alert handshake failure");
    }

    @Test
    void aConnectionThatSaysNothingIsClosed() throws Exception {
        DomainWebServer quick = DomainWebServer.start(vertx, new DomainWebServer.Options("127.0.0.1", 0, policies,
                SelfSignedCertificate.create("mta-sts.example.test").keyCertOptions(), false,
                java.time.Duration.ofMillis(500))).await(30, TimeUnit.SECONDS);
        try (javax.net.ssl.SSLSocket tls = tlsSocket("127.0.0.1", quick.actualPort())) {
            tls.setSoTimeout(20_000);
            // half a request, then silence
            tls.getOutputStream().write("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.exa"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            long start = System.nanoTime();
            assertThat(tls.getInputStream().read()).isEqualTo(-1);
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(15));
        }
        assertThat(new DomainWebServer.Options("h", 0, policies, SelfSignedCertificate.create("x").keyCertOptions(),
                false).idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
    }

    @Test
    void behindALoadBalancerTheProxyHeaderComesFirst() throws Exception {
        DomainWebServer proxied = DomainWebServer.start(vertx, new DomainWebServer.Options("127.0.0.1", 0,
                policies, SelfSignedCertificate.create("mta-sts.example.test").keyCertOptions(), true))
                .await(30, TimeUnit.SECONDS);
        try (java.net.Socket plain = new java.net.Socket("127.0.0.1", proxied.actualPort())) {
            plain.getOutputStream().write("PROXY TCP4 192.0.2.1 127.0.0.1 5555 443\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) trustAll().getSocketFactory()
                    .createSocket(plain, "mta-sts.example.test", proxied.actualPort(), true)) {
                tls.getOutputStream().write(("GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.test\r\n"
                        + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String response = new String(tls.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(response).startsWith("HTTP/1.1 200 OK").endsWith(POLICY);
            }
        }
    }
}
