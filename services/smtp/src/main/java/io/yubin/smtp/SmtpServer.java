package io.yubin.smtp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.yubin.mailauth.InboundAuthenticator;
import io.yubin.protocol.Accepted;
import io.yubin.protocol.IpPolicy;
import io.yubin.protocol.ListenerSet;
import io.yubin.protocol.Listening;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.Accounts;
import io.yubin.store.Storage;
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
     * @param ipPolicies which client addresses may connect to each listener; a listener missing
     *     from the map takes every address
     */
    public record Options(String hostname, String host, int mxPort, int submissionPort, int submissionsPort,
            PemKeyCertOptions tls, boolean proxyProtocol, SmtpLimits limits, Listening listening,
            Map<Mode, IpPolicy> ipPolicies) {

        public Options {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(listening, "listening");
            ipPolicies = Map.copyOf(ipPolicies);
        }

        /** Every listener open to every address. */
        public Options(String hostname, String host, int mxPort, int submissionPort, int submissionsPort,
                PemKeyCertOptions tls, boolean proxyProtocol, SmtpLimits limits, Listening listening) {
            this(hostname, host, mxPort, submissionPort, submissionsPort, tls, proxyProtocol, limits, listening,
                    Map.of());
        }

        /** The listener's policy, {@link IpPolicy#ALLOW_ALL} when none is set. */
        public IpPolicy ipPolicy(Mode mode) {
            return ipPolicies.getOrDefault(mode, IpPolicy.ALLOW_ALL);
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
    private final DnsBlocklists blocklists;
    private ListenerSet listeners;

    private SmtpServer(Vertx vertx, Options options, DnsBlocklists blocklists) {
        this.vertx = vertx;
        this.options = options;
        this.blocklists = blocklists;
    }

    /** Starts the listeners; AUTH goes through {@link Accounts#login}, whose throttles IMAP and POP3 share. */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue) {
        return start(vertx, options, storage, accounts, queue, null, null, SendingLimits.none(), null);
    }

    /**
     * With mail authentication: SPF, DKIM and DMARC of every message on the MX port, its
     * Authentication-Results field prepended, a DMARC reject refused with {@code 550 5.7.1}
     * (docs/mailauth.md); {@code authenticator} null is off. Mail from authenticated submission is
     * signed by {@code signer} before it is spooled (null: not), and what an authenticated user may
     * send is bounded by {@code sendingLimits}. A client connecting to the MX port that one of
     * {@code blocklists} lists is refused with {@code 554 5.7.1} before the greeting (null: none
     * asked); submission never asks them.
     */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue, InboundAuthenticator authenticator, SubmissionSigner signer,
            SendingLimits sendingLimits, DnsBlocklists blocklists) {
        return start(vertx, options, storage, accounts, queue, authenticator, signer, sendingLimits, blocklists, null);
    }

    /** With virus scanning of every message at the end of its data ({@code virusScanning} null: none). */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue, InboundAuthenticator authenticator, SubmissionSigner signer,
            SendingLimits sendingLimits, DnsBlocklists blocklists, VirusScanning virusScanning) {
        return start(vertx, options, storage, accounts, queue, authenticator, signer, sendingLimits, blocklists,
                virusScanning, null);
    }

    /** With the spam filter at the end of data of mail from outside ({@code spamChecking} null: none). */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue, InboundAuthenticator authenticator, SubmissionSigner signer,
            SendingLimits sendingLimits, DnsBlocklists blocklists, VirusScanning virusScanning,
            SpamChecking spamChecking) {
        if (options.submissionsPort() >= 0 && options.tls() == null) {
            return Future.failedFuture(new IllegalArgumentException("submissions (implicit TLS) needs a certificate"));
        }
        SmtpServer server = new SmtpServer(vertx, options,
                blocklists == null || blocklists.zones().isEmpty() ? null : blocklists);
        MessageAcceptor acceptor = new MessageAcceptor(options.hostname(), storage, queue, authenticator, signer,
                virusScanning, spamChecking);
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
            ports.add(new ListenerSet.Port(mode.name(), port, mode == Mode.SUBMISSIONS, options.ipPolicy(mode)));
        }
        ListenerSet.Options listening = new ListenerSet.Options(options.host(), ports, options.tls(),
                options.proxyProtocol(), options.listening(), options.limits().maxConnectionsPerIp(),
                SmtpReplies.TOO_MANY_CONNECTIONS.render(), ip -> SmtpReplies.refusedAddress(ip).render());
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
        if (mode != Mode.MX || blocklists == null) {
            startSession(accepted, mode);
            return;
        }
        // The session starts once the lists have answered; until then the client's input waits
        // and a client that leaves gives its slot back here.
        NetSocket socket = accepted.socket();
        boolean[] gone = new boolean[1];
        socket.pause();
        socket.closeHandler(v -> {
            gone[0] = true;
            accepted.release();
        });
        String ip = accepted.clientAddress();
        Future.fromCompletionStage(blocklists.listing(ip), accepted.context()).onComplete(ar -> {
            if (gone[0]) {
                return;
            }
            if (ar.succeeded() && ar.result().isPresent()) {
                LOG.info("refusing a connection from {} on MX: listed by {}", ip, ar.result().get());
                socket.end(Buffer.buffer(SmtpReplies.blocklisted(ip, ar.result().get()).bytes()))
                        .onComplete(ended -> socket.close());
                return;
            }
            startSession(accepted, mode);
            socket.resume();
        });
    }

    private void startSession(Accepted accepted, Mode mode) {
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
