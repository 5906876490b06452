package io.yubin.pop3;

import io.yubin.tls.ServerTls;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.yubin.store.Accounts;
import io.yubin.store.MaildropLocks;
import io.yubin.store.Storage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The POP3 server: a plain listener offering STLS (RFC 2595) and an implicit-TLS listener, both
 * serving the users' INBOXes from the store (RFC 1939, RFC 2449 CAPA, RFC 5034 SASL PLAIN).
 */
public final class Pop3Server {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3Server.class);

    /** RFC 1939 §3: an autologout timer of at least 10 minutes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** Threads that read message bodies for RETR and TOP. */
    static final int BLOB_IO_THREADS = 4;

    /**
     * @param hostname the name in the greeting
     * @param host the address to bind
     * @param port the plain port with STLS; 0 picks a free one, -1 turns the listener off
     * @param tlsPort the implicit-TLS port; 0 picks a free one, -1 turns the listener off
     * @param tls the server certificate and key; null offers no TLS at all (then {@code tlsPort}
     *        must be -1)
     * @param proxyProtocol whether every connection starts with a PROXY protocol header (v1 or v2)
     * @param allowPlaintextAuth whether USER, PASS and AUTH work without TLS (local testing only)
     * @param idleTimeout how long a connection may be silent before it is closed; null for
     *        {@link #DEFAULT_IDLE_TIMEOUT}
     */
    public record Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
            boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout) {

        public Options {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(host, "host");
            if (port < -1 || port > 65535 || tlsPort < -1 || tlsPort > 65535) {
                throw new IllegalArgumentException("POP3 ports must be -1 (off) or 0..65535");
            }
            if (port == -1 && tlsPort == -1) {
                throw new IllegalArgumentException("at least one POP3 listener must be on");
            }
            if (tls == null && tlsPort != -1) {
                throw new IllegalArgumentException("the POP3 TLS port needs a certificate");
            }
            if (idleTimeout == null) {
                idleTimeout = DEFAULT_IDLE_TIMEOUT;
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("the POP3 idle timeout must be positive");
            }
        }
    }

    private final NetServer plain;
    private final NetServer implicitTls;
    private final WorkerExecutor blobIo;

    private Pop3Server(NetServer plain, NetServer implicitTls, WorkerExecutor blobIo) {
        this.plain = plain;
        this.implicitTls = implicitTls;
        this.blobIo = blobIo;
    }

    public static Future<Pop3Server> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            MaildropLocks locks) {
        WorkerExecutor blobIo = vertx.createSharedWorkerExecutor("yubin-pop3-blob-io", BLOB_IO_THREADS);
        ServerSSLOptions stls = options.tls() == null ? null : ServerTls.upgradeOptions(options.tls());
        List<Future<NetServer>> listening = new ArrayList<>();
        NetServer plain = null;
        NetServer implicitTls = null;
        if (options.port() >= 0) {
            plain = vertx.createNetServer(base(options, options.port()))
                    .connectHandler(socket -> accept(vertx, socket, false, options, stls, storage, accounts, locks, blobIo));
            listening.add(plain.listen());
        }
        if (options.tlsPort() >= 0) {
            implicitTls = vertx.createNetServer(ServerTls.implicit(base(options, options.tlsPort()), options.tls()))
                    .connectHandler(socket -> accept(vertx, socket, true, options, null, storage, accounts, locks, blobIo));
            listening.add(implicitTls.listen());
        }
        Pop3Server server = new Pop3Server(plain, implicitTls, blobIo);
        Future<Void> warm = options.tls() == null ? Future.succeededFuture()
                : blobIo.executeBlocking(() -> {
                    ServerTls.warmUp(vertx, options.tls());
                    return null;
                }, false);
        return Future.join(warm, Future.join(listening)).transform(ar -> {
            if (ar.failed()) {
                return server.close().transform(closed -> Future.<Pop3Server>failedFuture(ar.cause()));
            }
            LOG.info("POP3 listening on {} port {} (STLS) and port {} (TLS)", options.host(),
                    server.actualPort(), server.actualTlsPort());
            return Future.succeededFuture(server);
        });
    }

    private static NetServerOptions base(Options options, int port) {
        return new NetServerOptions()
                .setHost(options.host())
                .setPort(port)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, options.idleTimeout().toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setUseProxyProtocol(options.proxyProtocol());
    }

    private static void accept(Vertx vertx, NetSocket socket, boolean tls, Options options, ServerSSLOptions stls,
            Storage storage, Accounts accounts, MaildropLocks locks, WorkerExecutor blobIo) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Context context = vertx.getOrCreateContext();
        LOG.debug("[pop3 {}] connection from {}{}", id, socket.remoteAddress(), tls ? " over TLS" : "");
        String client = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
        Pop3Session session = new Pop3Session(id, client, options.hostname(), tls, stls != null,
                options.allowPlaintextAuth(), accounts, storage.mailboxes(), locks, context);
        new Pop3Connection(id, socket, session, storage.blobs(), blobIo, stls, context).start();
    }

    /** The plain (STLS) port, or -1 when that listener is off. */
    public int actualPort() {
        return plain == null ? -1 : plain.actualPort();
    }

    /** The implicit-TLS port, or -1 when that listener is off. */
    public int actualTlsPort() {
        return implicitTls == null ? -1 : implicitTls.actualPort();
    }

    /** Stops listening and closes open connections; sessions that did not QUIT delete nothing. */
    public Future<Void> close() {
        List<Future<Void>> closing = new ArrayList<>();
        if (plain != null) {
            closing.add(plain.close());
        }
        if (implicitTls != null) {
            closing.add(implicitTls.close());
        }
        return Future.join(closing).transform(ar -> blobIo.close()).mapEmpty();
    }
}
