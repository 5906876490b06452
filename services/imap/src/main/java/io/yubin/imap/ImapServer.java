package io.yubin.imap;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.Accounts;
import io.yubin.store.Storage;
import io.yubin.tls.ServerTls;
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
 * The IMAP server: a plain listener offering STARTTLS and an implicit-TLS listener, both serving
 * the users' mailboxes from the store (RFC 9051 and RFC 3501), with IDLE fed by the cluster's
 * mailbox events.
 */
public final class ImapServer {

    private static final Logger LOG = LoggerFactory.getLogger(ImapServer.class);

    /** RFC 9051 §5.4: an inactivity autologout timer of at least 30 minutes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);

    /** Threads that read message bodies for FETCH and SEARCH and write them for APPEND. */
    static final int BLOB_IO_THREADS = 4;

    /**
     * @param hostname the name in the greeting
     * @param host the address to bind
     * @param port the plain port with STARTTLS; 0 picks a free one, -1 turns the listener off
     * @param tlsPort the implicit-TLS port; 0 picks a free one, -1 turns the listener off
     * @param tls the certificate and key; null offers no TLS at all (then {@code tlsPort} must be -1)
     * @param proxyProtocol whether every connection starts with a PROXY protocol header (v1 or v2)
     * @param allowPlaintextAuth whether LOGIN and AUTHENTICATE work without TLS (local testing only)
     * @param idleTimeout how long a connection may be silent; null for {@link #DEFAULT_IDLE_TIMEOUT}
     * @param limits input bounds; null for {@link ImapLimits#DEFAULT}
     */
    public record Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
            boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout, ImapLimits limits) {

        public Options {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(host, "host");
            if (port < -1 || port > 65535 || tlsPort < -1 || tlsPort > 65535) {
                throw new IllegalArgumentException("IMAP ports must be -1 (off) or 0..65535");
            }
            if (port == -1 && tlsPort == -1) {
                throw new IllegalArgumentException("at least one IMAP listener must be on");
            }
            if (tls == null && tlsPort != -1) {
                throw new IllegalArgumentException("the IMAP TLS port needs a certificate");
            }
            if (idleTimeout == null) {
                idleTimeout = DEFAULT_IDLE_TIMEOUT;
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("the IMAP idle timeout must be positive");
            }
            if (limits == null) {
                limits = ImapLimits.DEFAULT;
            }
        }
    }

    private final NetServer plain;
    private final NetServer implicitTls;
    private final WorkerExecutor blobIo;

    private ImapServer(NetServer plain, NetServer implicitTls, WorkerExecutor blobIo) {
        this.plain = plain;
        this.implicitTls = implicitTls;
        this.blobIo = blobIo;
    }

    public static Future<ImapServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            MailboxEvents events) {
        WorkerExecutor blobIo = vertx.createSharedWorkerExecutor("yubin-imap-blob-io", BLOB_IO_THREADS);
        ServerSSLOptions stls = options.tls() == null ? null : ServerTls.upgradeOptions(options.tls());
        ImapCaches caches = ImapCaches.create();
        List<Future<NetServer>> listening = new ArrayList<>();
        NetServer plain = null;
        NetServer implicitTls = null;
        if (options.port() >= 0) {
            plain = vertx.createNetServer(base(options, options.port()))
                    .connectHandler(socket -> accept(vertx, socket, false, options, stls, storage, accounts, events,
                            blobIo, caches));
            listening.add(plain.listen());
        }
        if (options.tlsPort() >= 0) {
            implicitTls = vertx.createNetServer(ServerTls.implicit(base(options, options.tlsPort()), options.tls()))
                    .connectHandler(socket -> accept(vertx, socket, true, options, null, storage, accounts, events,
                            blobIo, caches));
            listening.add(implicitTls.listen());
        }
        ImapServer server = new ImapServer(plain, implicitTls, blobIo);
        Future<Void> warm = options.tls() == null ? Future.succeededFuture()
                : blobIo.executeBlocking(() -> {
                    ServerTls.warmUp(vertx, options.tls());
                    return null;
                }, false);
        return Future.join(warm, Future.join(listening)).transform(ar -> {
            if (ar.failed()) {
                return server.close().transform(closed -> Future.<ImapServer>failedFuture(ar.cause()));
            }
            LOG.info("IMAP listening on {} port {} (STARTTLS) and port {} (TLS)", options.host(),
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
            Storage storage, Accounts accounts, MailboxEvents events, WorkerExecutor blobIo, ImapCaches caches) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Context context = vertx.getOrCreateContext();
        String client = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
        LOG.debug("[imap {}] connection from {}{}", id, client, tls ? " over TLS" : "");
        ImapConnection connection = new ImapConnection(vertx, id, socket, stls, options.limits());
        ImapSession session = new ImapSession(id, client, options, tls, stls != null, storage, accounts, events,
                blobIo, context, connection, caches);
        connection.start(session);
    }

    /** The plain (STARTTLS) port, or -1 when that listener is off. */
    public int actualPort() {
        return plain == null ? -1 : plain.actualPort();
    }

    /** The implicit-TLS port, or -1 when that listener is off. */
    public int actualTlsPort() {
        return implicitTls == null ? -1 : implicitTls.actualPort();
    }

    /** Stops listening and closes open connections. */
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
