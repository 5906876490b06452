package io.yubin.smtp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.yubin.mailauth.InboundAuthenticator;
import io.yubin.protocol.Accepted;
import io.yubin.protocol.ListenerSet;
import io.yubin.protocol.Listening;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.Accounts;
import io.yubin.store.Storage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP listeners: MX (mail for local domains, no AUTH), submission (STARTTLS, AUTH required)
 * and submissions (implicit TLS, RFC 8314), on the shared {@link ListenerSet} (every port on
 * {@link Listening#eventLoops} event loops, the PROXY header, the per-IP cap). A port below zero
 * leaves that listener off; zero picks a free port ({@link #actualPort}).
 */
public final class SmtpServer {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    public enum Mode { MX, SUBMISSION, SUBMISSIONS }

    /**
     * @param hostname the name in the greeting and in Received fields
     * @param host the address to listen on
     * @param tls the certificate and key; null disables STARTTLS (and submissions cannot start)
     * @param proxyProtocol expect a PROXY protocol header on every connection (behind a load balancer)
     * @param listening event loops per port and the PROXY header timeout
     */
    public record Options(String hostname, String host, int mxPort, int submissionPort, int submissionsPort,
            PemKeyCertOptions tls, boolean proxyProtocol, SmtpLimits limits, Listening listening) {

        public Options {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(listening, "listening");
        }

        /** With {@link Listening#defaults()}. */
        public Options(String hostname, String host, int mxPort, int submissionPort, int submissionsPort,
                PemKeyCertOptions tls, boolean proxyProtocol, SmtpLimits limits) {
            this(hostname, host, mxPort, submissionPort, submissionsPort, tls, proxyProtocol, limits,
                    Listening.defaults());
        }
    }

    private final Vertx vertx;
    private final Options options;
    private final AtomicLong sessionIds = new AtomicLong();
    private final Map<Mode, SmtpSession.Settings> settings = new EnumMap<>(Mode.class);
    private ListenerSet listeners;

    private SmtpServer(Vertx vertx, Options options) {
        this.vertx = vertx;
        this.options = options;
    }

    /** Starts the listeners; AUTH goes through {@link Accounts#login}, whose throttles IMAP and POP3 share. */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue) {
        return start(vertx, options, storage, accounts, queue, null, null, SendingLimits.none());
    }

    /**
     * With mail authentication: SPF, DKIM and DMARC of every message on the MX port, its
     * Authentication-Results field prepended, a DMARC reject refused with {@code 550 5.7.1}
     * (docs/mailauth.md); {@code authenticator} null is off. Mail from authenticated submission is
     * signed by {@code signer} before it is spooled (null: not), and what an authenticated user may
     * send is bounded by {@code sendingLimits}.
     */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue, InboundAuthenticator authenticator, SubmissionSigner signer,
            SendingLimits sendingLimits) {
        return start(vertx, options, storage, accounts, queue, authenticator, signer, sendingLimits, null);
    }

    /** With virus scanning of every message at the end of its data ({@code virusScanning} null: none). */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue, InboundAuthenticator authenticator, SubmissionSigner signer,
            SendingLimits sendingLimits, VirusScanning virusScanning) {
        if (options.submissionsPort() >= 0 && options.tls() == null) {
            return Future.failedFuture(new IllegalArgumentException("submissions (implicit TLS) needs a certificate"));
        }
        SmtpServer server = new SmtpServer(vertx, options);
        MessageAcceptor acceptor = new MessageAcceptor(options.hostname(), storage, queue, authenticator, signer,
                virusScanning);
        List<ListenerSet.Port> ports = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            int port = switch (mode) {
                case MX -> options.mxPort();
                case SUBMISSION -> options.submissionPort();
                case SUBMISSIONS -> options.submissionsPort();
            };
            if (port < 0) {
                continue;
            }
            server.settings.put(mode, new SmtpSession.Settings(options.hostname(), mode, options.tls() != null,
                    options.limits(), storage, accounts, acceptor, sendingLimits));
            ports.add(new ListenerSet.Port(mode.name(), port, mode == Mode.SUBMISSIONS));
        }
        ListenerSet.Options listening = new ListenerSet.Options(options.host(), ports, options.tls(),
                options.proxyProtocol(), options.listening(), options.limits().maxConnectionsPerIp(),
                new String(SmtpReplies.TOO_MANY_CONNECTIONS.bytes(), StandardCharsets.US_ASCII));
        return ListenerSet.start(vertx, listening, server::connected).map(set -> {
            server.listeners = set;
            return server;
        });
    }

    /** The port a listener is bound to; -1 when that listener is off. */
    public int actualPort(Mode mode) {
        return listeners.actualPort(mode.name());
    }

    public Future<Void> close() {
        return listeners.close();
    }

    /**
     * Stops accepting at once; a session ends with {@code 421 4.3.2} as soon as no transaction is
     * under way (a DATA that completes within {@code grace} is answered and kept), and whatever is
     * still open after {@code grace} ends then ({@link ListenerSet#shutdown}).
     */
    public Future<Void> shutdown(Duration grace) {
        return listeners.shutdown(grace);
    }

    private void connected(Accepted accepted) {
        Mode mode = Mode.valueOf(accepted.listener());
        NetSocket socket = accepted.socket();
        String id = mode.name().toLowerCase(Locale.ROOT) + "-" + Long.toString(sessionIds.incrementAndGet(), 36);
        boolean tls = socket.isSsl();
        String protocol = tls && socket.sslSession() != null ? socket.sslSession().getProtocol() : null;
        String cipher = tls && socket.sslSession() != null ? socket.sslSession().getCipherSuite() : null;
        SmtpSession session = new SmtpSession(settings.get(mode), vertx, accepted.context(), id,
                accepted.clientAddress(), tls, protocol, cipher);
        LOG.debug("[{}] connection from {}", session.id(), accepted.clientAddress());
        new SmtpConnection(vertx, accepted, session, options.limits(), options.hostname()).start();
    }
}
