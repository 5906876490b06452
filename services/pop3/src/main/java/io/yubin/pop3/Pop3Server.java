package io.yubin.pop3;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.PemKeyCertOptions;
import io.yubin.protocol.Accepted;
import io.yubin.protocol.IpPolicy;
import io.yubin.protocol.ListenerSet;
import io.yubin.protocol.Listening;
import io.yubin.store.Accounts;
import io.yubin.store.MaildropLocks;
import io.yubin.store.Storage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The POP3 server: a plain listener offering STLS (RFC 2595) and an implicit-TLS listener, both
 * serving the users' INBOXes from the store (RFC 1939, RFC 2449 CAPA, RFC 5034 SASL PLAIN), on the
 * shared {@link ListenerSet} (every port on {@link Listening#eventLoops} event loops, the PROXY header,
 * the per-IP cap).
 */
public final class Pop3Server {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3Server.class);

    /** RFC 1939 §3: an autologout timer of at least 10 minutes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);

    /** Connections one client address may hold at once, both ports together. */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 100;

    /** Threads that read message bodies for RETR and TOP. */
    public static final int DEFAULT_BODY_THREADS = 4;

    private static final String PLAIN = "plain";
    private static final String TLS = "tls";

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
     * @param listening event loops per port and the PROXY header timeout
     * @param maxConnectionsPerIp connections one client address may hold at once, both ports together
     * @param bodyThreads threads that read message bodies for RETR and TOP
     * @param ipPolicy which client addresses may connect to both ports; null for every address
     */
    public record Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
            boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout, Listening listening,
            int maxConnectionsPerIp, int bodyThreads, IpPolicy ipPolicy) {

        public Options {
            if (ipPolicy == null) {
                ipPolicy = IpPolicy.ALLOW_ALL;
            }
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(listening, "listening");
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
            if (maxConnectionsPerIp < 1 || bodyThreads < 1) {
                throw new IllegalArgumentException("the POP3 connection cap and body threads must be positive");
            }
        }

        /** Open to every address. */
        public Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
                boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout, Listening listening,
                int maxConnectionsPerIp, int bodyThreads) {
            this(hostname, host, port, tlsPort, tls, proxyProtocol, allowPlaintextAuth, idleTimeout, listening,
                    maxConnectionsPerIp, bodyThreads, null);
        }

        /** With {@link Listening#defaults()} and the default cap and threads. */
        public Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
                boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout) {
            this(hostname, host, port, tlsPort, tls, proxyProtocol, allowPlaintextAuth, idleTimeout,
                    Listening.defaults(), DEFAULT_MAX_CONNECTIONS_PER_IP, DEFAULT_BODY_THREADS);
        }
    }

    private final ListenerSet listeners;
    private final WorkerExecutor blobIo;

    private Pop3Server(ListenerSet listeners, WorkerExecutor blobIo) {
        this.listeners = listeners;
        this.blobIo = blobIo;
    }

    public static Future<Pop3Server> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            MaildropLocks locks) {
        WorkerExecutor blobIo = vertx.createSharedWorkerExecutor("yubin-pop3-bodies", options.bodyThreads());
        List<ListenerSet.Port> ports = new ArrayList<>();
        if (options.port() >= 0) {
            ports.add(new ListenerSet.Port(PLAIN, options.port(), false, options.ipPolicy()));
        }
        if (options.tlsPort() >= 0) {
            ports.add(new ListenerSet.Port(TLS, options.tlsPort(), true, options.ipPolicy()));
        }
        ListenerSet.Options listening = new ListenerSet.Options(options.host(), ports, options.tls(),
                options.proxyProtocol(), options.listening(), options.maxConnectionsPerIp(),
                Pop3Replies.err(Pop3Replies.SYS_TEMP, "too many connections from your address"),
                // RFC 3206 §4: SYS/PERM, the refusal will not go away by retrying.
                ip -> Pop3Replies.err(Pop3Replies.SYS_PERM,
                        "connection refused: your address [" + ip + "] may not connect here"));
        return ListenerSet.start(vertx, listening, accepted -> accept(vertx, accepted, options, storage, accounts,
                locks, blobIo)).transform(ar -> {
                    if (ar.failed()) {
                        return blobIo.close().transform(closed -> Future.<Pop3Server>failedFuture(ar.cause()));
                    }
                    Pop3Server server = new Pop3Server(ar.result(), blobIo);
                    LOG.info("POP3 listening on {} port {} (STLS) and port {} (TLS), {} event loops", options.host(),
                            server.actualPort(), server.actualTlsPort(), options.listening().eventLoops());
                    return Future.succeededFuture(server);
                });
    }

    private static void accept(Vertx vertx, Accepted accepted, Options options, Storage storage, Accounts accounts,
            MaildropLocks locks, WorkerExecutor blobIo) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        boolean tls = accepted.implicitTls();
        LOG.debug("[pop3 {}] connection from {}{}", id, accepted.clientAddress(), tls ? " over TLS" : "");
        Pop3Session session = new Pop3Session(id, accepted.clientAddress(), options.hostname(), tls,
                accepted.startTls() != null, options.allowPlaintextAuth(), accounts, storage.mailboxes(), locks,
                accepted.context());
        new Pop3Connection(vertx, accepted, id, session, storage.blobs(), blobIo, options.idleTimeout()).start();
    }

    /** The plain (STLS) port, or -1 when that listener is off. */
    public int actualPort() {
        return listeners.actualPort(PLAIN);
    }

    /** The implicit-TLS port, or -1 when that listener is off. */
    public int actualTlsPort() {
        return listeners.actualPort(TLS);
    }

    /** Stops listening and closes open connections; sessions that did not QUIT delete nothing. */
    public Future<Void> close() {
        return listeners.close().transform(ar -> blobIo.close()).mapEmpty();
    }

    /**
     * Stops accepting at once; a session ends with {@code -ERR [SYS/TEMP]} as soon as no command
     * is running (nothing is removed: that needs QUIT), and whatever is still open after
     * {@code grace} ends then ({@link ListenerSet#shutdown}). {@link #close} still frees the rest.
     */
    public Future<Void> shutdown(Duration grace) {
        return listeners.shutdown(grace);
    }
}
