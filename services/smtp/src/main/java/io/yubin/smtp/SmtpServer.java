package io.yubin.smtp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.yubin.tls.ServerTls;
import io.vertx.core.net.SocketAddress;
import io.yubin.queue.DeliveryQueue;
import io.yubin.store.Accounts;
import io.yubin.store.Storage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SMTP listeners: MX (mail for local domains, no AUTH), submission (STARTTLS, AUTH required)
 * and submissions (implicit TLS, RFC 8314). A port below zero leaves that listener off; zero picks a
 * free port ({@link #actualPort}).
 */
public final class SmtpServer {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    public enum Mode { MX, SUBMISSION, SUBMISSIONS }

    /**
     * @param hostname the name in the greeting and in Received fields
     * @param host the address to listen on
     * @param tls the certificate and key; null disables STARTTLS (and submissions cannot start)
     * @param proxyProtocol expect a PROXY protocol header on every connection (behind a load balancer)
     */
    public record Options(String hostname, String host, int mxPort, int submissionPort, int submissionsPort,
            PemKeyCertOptions tls, boolean proxyProtocol, SmtpLimits limits) {

        public Options {
            Objects.requireNonNull(hostname, "hostname");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(limits, "limits");
        }
    }

    /** docs/architecture.md §5: TLS 1.2 and 1.3, AEAD ciphers only. */

    private final Vertx vertx;
    private final Options options;
    private final Map<Mode, NetServer> servers = new EnumMap<>(Mode.class);
    private final Map<String, AtomicInteger> connectionsPerIp = new ConcurrentHashMap<>();
    private final AtomicLong sessionIds = new AtomicLong();
    private final Map<Mode, SmtpSession.Settings> settings = new EnumMap<>(Mode.class);
    private final ServerSSLOptions sslOptions;

    private SmtpServer(Vertx vertx, Options options, ServerSSLOptions sslOptions) {
        this.vertx = vertx;
        this.options = options;
        this.sslOptions = sslOptions;
    }

    /** Starts the listeners; AUTH goes through {@link Accounts#login}, whose throttles IMAP and POP3 share. */
    public static Future<SmtpServer> start(Vertx vertx, Options options, Storage storage, Accounts accounts,
            DeliveryQueue queue) {
        if (options.submissionsPort() >= 0 && options.tls() == null) {
            return Future.failedFuture(new IllegalArgumentException("submissions (implicit TLS) needs a certificate"));
        }
        ServerSSLOptions ssl = options.tls() == null ? null : ServerTls.upgradeOptions(options.tls());
        SmtpServer server = new SmtpServer(vertx, options, ssl);
        MessageAcceptor acceptor = new MessageAcceptor(options.hostname(), storage, queue);
        List<Future<NetServer>> listening = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            int port = switch (mode) {
                case MX -> options.mxPort();
                case SUBMISSION -> options.submissionPort();
                case SUBMISSIONS -> options.submissionsPort();
            };
            if (port < 0) {
                continue;
            }
            server.settings.put(mode, new SmtpSession.Settings(options.hostname(), mode, ssl != null, options.limits(),
                    storage, accounts, acceptor));
            NetServerOptions netOptions = new NetServerOptions().setHost(options.host()).setPort(port)
                    .setUseProxyProtocol(options.proxyProtocol())
                    .setProxyProtocolTimeout(10).setProxyProtocolTimeoutUnit(TimeUnit.SECONDS);
            if (mode == Mode.SUBMISSIONS) {
                ServerTls.implicit(netOptions, options.tls());
            }
            NetServer net = vertx.createNetServer(netOptions);
            net.connectHandler(socket -> server.connected(mode, socket));
            server.servers.put(mode, net);
            listening.add(net.listen());
        }
        return Future.all(listening).transform(ar -> {
            if (ar.succeeded()) {
                return Future.succeededFuture(server);
            }
            return server.close().transform(x -> Future.failedFuture(ar.cause()));
        });
    }

    /** The port a listener is bound to; -1 when that listener is off. */
    public int actualPort(Mode mode) {
        NetServer net = servers.get(mode);
        return net == null ? -1 : net.actualPort();
    }

    public Future<Void> close() {
        List<Future<Void>> closing = new ArrayList<>();
        servers.values().forEach(s -> closing.add(s.close()));
        return Future.all(closing).mapEmpty();
    }

    private void connected(Mode mode, NetSocket socket) {
        SocketAddress remote = socket.remoteAddress();
        String ip = remote == null ? "unknown" : remote.hostAddress();
        AtomicInteger count = connectionsPerIp.compute(ip, (k, v) -> v == null ? new AtomicInteger() : v);
        if (count.incrementAndGet() > options.limits().maxConnectionsPerIp()) {
            release(ip);
            socket.write(SmtpReplies.TOO_MANY_CONNECTIONS.render()).onComplete(ar -> socket.close());
            return;
        }
        String id = Long.toString(sessionIds.incrementAndGet(), 36);
        boolean tls = socket.isSsl();
        String protocol = tls && socket.sslSession() != null ? socket.sslSession().getProtocol() : null;
        String cipher = tls && socket.sslSession() != null ? socket.sslSession().getCipherSuite() : null;
        SmtpSession session = new SmtpSession(settings.get(mode), vertx, vertx.getOrCreateContext(),
                mode.name().toLowerCase(java.util.Locale.ROOT) + "-" + id, ip, tls, protocol, cipher);
        LOG.debug("[{}] connection from {}", session.id(), ip);
        new SmtpConnection(vertx, socket, session, options.limits(), options.hostname(), sslOptions, () -> release(ip)).start();
    }

    private void release(String ip) {
        connectionsPerIp.computeIfPresent(ip, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }
}
