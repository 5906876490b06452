package io.yubin.imap;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.PemKeyCertOptions;
import io.yubin.protocol.Accepted;
import io.yubin.protocol.IpPolicy;
import io.yubin.protocol.ListenerSet;
import io.yubin.protocol.Listening;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.Accounts;
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
 * The IMAP server: a plain listener offering STARTTLS and an implicit-TLS listener, both serving
 * the users' mailboxes from the store (RFC 9051 and RFC 3501), with IDLE fed by the cluster's
 * mailbox events, on the shared {@link ListenerSet} (every port on {@link Listening#eventLoops}
 * event loops, the PROXY header, the per-IP cap of {@link ImapLimits#maxConnectionsPerIp}).
 */
public final class ImapServer {

    private static final Logger LOG = LoggerFactory.getLogger(ImapServer.class);

    /** RFC 9051 §5.4: an inactivity autologout timer of at least 30 minutes. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);

    /**
     * Events are hints and may be lost (a member that dies with events unpublished, a listener that
     * fell behind): an IDLE session reads the store this often anyway. One small read per idling
     * session per interval; NOOP reads the store every time.
     */
    public static final Duration DEFAULT_IDLE_RECHECK = Duration.ofSeconds(30);

    private static final String PLAIN = "plain";
    private static final String TLS = "tls";

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
     * @param listening event loops per port and the PROXY header timeout
     * @param pools the worker threads of FETCH and of SEARCH
     * @param idleRecheck how often a session in IDLE reads the store without an event, so it converges
     *        when events were lost; null for {@link #DEFAULT_IDLE_RECHECK}
     * @param ipPolicy which client addresses may connect to both ports; null for every address
     */
    public record Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
            boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout, ImapLimits limits,
            Listening listening, Pools pools, Duration idleRecheck, IpPolicy ipPolicy) {

        public Options {
            if (ipPolicy == null) {
                ipPolicy = IpPolicy.ALLOW_ALL;
            }
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(listening, "listening");
            Objects.requireNonNull(pools, "pools");
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
            if (idleRecheck == null) {
                idleRecheck = DEFAULT_IDLE_RECHECK;
            }
            if (idleRecheck.isNegative() || idleRecheck.isZero()) {
                throw new IllegalArgumentException("the IMAP IDLE re-check interval must be positive");
            }
        }

        /** Open to every address. */
        public Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
                boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout, ImapLimits limits,
                Listening listening, Pools pools, Duration idleRecheck) {
            this(hostname, host, port, tlsPort, tls, proxyProtocol, allowPlaintextAuth, idleTimeout, limits,
                    listening, pools, idleRecheck, null);
        }

        /** With {@link #DEFAULT_IDLE_RECHECK}. */
        public Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
                boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout, ImapLimits limits,
                Listening listening, Pools pools) {
            this(hostname, host, port, tlsPort, tls, proxyProtocol, allowPlaintextAuth, idleTimeout, limits,
                    listening, pools, null);
        }

        /** With {@link Listening#defaults()} and {@link Pools#DEFAULT}. */
        public Options(String hostname, String host, int port, int tlsPort, PemKeyCertOptions tls,
                boolean proxyProtocol, boolean allowPlaintextAuth, Duration idleTimeout, ImapLimits limits) {
            this(hostname, host, port, tlsPort, tls, proxyProtocol, allowPlaintextAuth, idleTimeout, limits,
                    Listening.defaults(), Pools.DEFAULT, null);
        }
    }

    /**
     * The worker threads of one server, two pools so that neither starves the other.
     *
     * @param bodies read, parse and stream message bodies (FETCH, APPEND's structure, and the bodies
     *     a SEARCH needs); mostly waiting for files or S3
     * @param searches evaluate SEARCH keys, SORT and THREAD, a chunk of messages at a time (CPU)
     */
    public record Pools(int bodies, int searches) {

        public static final Pools DEFAULT = new Pools(4, 2);

        public Pools {
            if (bodies < 1 || searches < 1) {
                throw new IllegalArgumentException("IMAP pools need at least one thread each");
            }
        }
    }

    /** The pools of one server's sessions. */
    record Workers(WorkerExecutor bodies, WorkerExecutor searches) {

        Future<Void> close() {
            return Future.join(bodies.close(), searches.close()).mapEmpty();
        }
    }

    private final ListenerSet listeners;
    private final Workers workers;

    private ImapServer(ListenerSet listeners, Workers workers) {
        this.listeners = listeners;
        this.workers = workers;
    }

    public static Future<ImapServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            MailboxEvents events) {
        Workers workers = new Workers(
                vertx.createSharedWorkerExecutor("yubin-imap-bodies", options.pools().bodies()),
                vertx.createSharedWorkerExecutor("yubin-imap-search", options.pools().searches()));
        ImapCaches caches = ImapCaches.create();
        List<ListenerSet.Port> ports = new ArrayList<>();
        if (options.port() >= 0) {
            ports.add(new ListenerSet.Port(PLAIN, options.port(), false, options.ipPolicy()));
        }
        if (options.tlsPort() >= 0) {
            ports.add(new ListenerSet.Port(TLS, options.tlsPort(), true, options.ipPolicy()));
        }
        // RFC 9051 §7.1.5: BYE as the greeting when the server will not accept the connection.
        ListenerSet.Options listening = new ListenerSet.Options(options.host(), ports, options.tls(),
                options.proxyProtocol(), options.listening(), options.limits().maxConnectionsPerIp(),
                "* BYE [UNAVAILABLE] Too many connections from your address\r\n",
                ip -> "* BYE Connection refused: your address [" + ip + "] may not connect here\r\n");
        return ListenerSet.start(vertx, listening, accepted -> accept(vertx, accepted, options, storage, accounts,
                events, workers, caches)).transform(ar -> {
                    if (ar.failed()) {
                        return workers.close().transform(closed -> Future.<ImapServer>failedFuture(ar.cause()));
                    }
                    ImapServer server = new ImapServer(ar.result(), workers);
                    LOG.info("IMAP listening on {} port {} (STARTTLS) and port {} (TLS), {} event loops",
                            options.host(), server.actualPort(), server.actualTlsPort(),
                            options.listening().eventLoops());
                    return Future.succeededFuture(server);
                });
    }

    private static void accept(Vertx vertx, Accepted accepted, Options options, Storage storage, Accounts accounts,
            MailboxEvents events, Workers workers, ImapCaches caches) {
        String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        boolean tls = accepted.implicitTls();
        LOG.debug("[imap {}] connection from {}{}", id, accepted.clientAddress(), tls ? " over TLS" : "");
        ImapConnection connection = new ImapConnection(vertx, accepted, id, options.limits(), options.idleTimeout());
        ImapSession session = new ImapSession(id, accepted.clientAddress(), options, tls, accepted.startTls() != null,
                storage, accounts, events, workers, accepted.context(), connection, caches);
        connection.start(session);
    }

    /** The plain (STARTTLS) port, or -1 when that listener is off. */
    public int actualPort() {
        return listeners.actualPort(PLAIN);
    }

    /** The implicit-TLS port, or -1 when that listener is off. */
    public int actualTlsPort() {
        return listeners.actualPort(TLS);
    }

    /** Stops listening and closes open connections. */
    public Future<Void> close() {
        return listeners.close().transform(ar -> workers.close());
    }

    /**
     * Stops accepting at once; a session ends with {@code * BYE} as soon as no command is running
     * or arriving (a session in IDLE at once), and whatever is still open after {@code grace} ends
     * then ({@link ListenerSet#shutdown}). {@link #close} still frees the rest.
     */
    public Future<Void> shutdown(Duration grace) {
        return listeners.shutdown(grace);
    }
}
