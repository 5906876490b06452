package io.yubin.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.X509KeyManager;

/**
 * The TLS settings of every protocol listener and of the HTTPS host (docs/architecture.md §5): TLS 1.2
 * and 1.3, AEAD ciphers only, no renegotiation asked by the client, for STARTTLS/STLS upgrades and
 * implicit-TLS ports alike.
 */
public final class ServerTls {

    public static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /**
     * The JDK's switch (read once, when its first server handshake is made) that refuses a TLS 1.2
     * client's renegotiation: each one costs the server a full handshake and gives the client nothing,
     * a lever for denial of service (TLS 1.3 has no renegotiation). Set by this class's loading, which
     * comes before every server context (a value given on the command line is kept).
     */
    public static final String REJECT_CLIENT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    static {
        if (System.getProperty(REJECT_CLIENT_RENEGOTIATION) == null) {
            System.setProperty(REJECT_CLIENT_RENEGOTIATION, "true");
        }
    }

    private ServerTls() {
    }

    /**
     * For a STARTTLS / STLS upgrade on a plain port (RFC 3207, RFC 2595, RFC 9051 §6.2.1): the
     * handler is added to the connection's pipeline by the protocol layer. Reads the key and
     * certificate files, so not on an event loop.
     */
    public static SslContext startTlsContext(Vertx vertx, PemKeyCertOptions keyCert) throws Exception {
        return SslContextBuilder.forServer(keyCert.getKeyManagerFactory(vertx)).protocols(PROTOCOLS)
                .ciphers(CIPHER_SUITES).build();
    }

    /** For an implicit-TLS port (the protocols' and the HTTPS host's: HttpServerOptions are NetServerOptions). */
    public static <T extends NetServerOptions> T implicit(T options, KeyCertOptions keyCert) {
        options.setSsl(true).setKeyCertOptions(keyCert).setEnabledSecureTransportProtocols(PROTOCOLS);
        CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
        return options;
    }

    /**
     * Runs one TLS handshake in memory, on the calling (worker) thread, with the server's own key.
     * The first handshake of a JVM loads and initializes the JDK's and Netty's TLS classes for
     * hundreds of milliseconds; done here, that stays off the event loop of the first client.
     */
    public static void warmUp(Vertx vertx, PemKeyCertOptions keyCert) throws Exception {
        KeyManagerFactory keys = keyCert.getKeyManagerFactory(vertx);
        X509KeyManager keyManager = (X509KeyManager) keys.getKeyManagers()[0];
        String alias = keyManager.getServerAliases("RSA", null) != null
                ? keyManager.getServerAliases("RSA", null)[0]
                : keyManager.getServerAliases("EC", null)[0];
        X509Certificate[] chain = keyManager.getCertificateChain(alias);
        SslContext server = startTlsContext(vertx, keyCert);
        SslContext client = SslContextBuilder.forClient().trustManager(chain).protocols(PROTOCOLS)
                .endpointIdentificationAlgorithm(null).build();
        server.newHandler(ByteBufAllocator.DEFAULT);
        SSLEngine serverEngine = server.newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine clientEngine = client.newEngine(ByteBufAllocator.DEFAULT);
        handshake(clientEngine, serverEngine);
    }

    private static void handshake(SSLEngine client, SSLEngine server) throws Exception {
        int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        int app = Math.max(client.getSession().getApplicationBufferSize(), server.getSession().getApplicationBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(packet * 4);
        ByteBuffer toClient = ByteBuffer.allocate(packet * 4);
        ByteBuffer clientApp = ByteBuffer.allocate(app);
        ByteBuffer serverApp = ByteBuffer.allocate(app);
        ByteBuffer empty = ByteBuffer.allocate(0);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 100 && !(done(client) && done(server)); round++) {
            client.wrap(empty, toServer);
            runTasks(client);
            toServer.flip();
            server.unwrap(toServer, serverApp);
            toServer.compact();
            runTasks(server);
            server.wrap(empty, toClient);
            runTasks(server);
            toClient.flip();
            client.unwrap(toClient, clientApp);
            toClient.compact();
            runTasks(client);
        }
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.FINISHED || status == HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }
}
