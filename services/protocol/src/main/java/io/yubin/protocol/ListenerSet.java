package io.yubin.protocol;

import io.netty.handler.ssl.SslContext;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.yubin.tls.ServerTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one protocol: plain ports (offering STARTTLS when there is a certificate) and
 * implicit-TLS ports (RFC 8314), each served by {@link Listening#eventLoops} event loops.
 *
 * <p>The ports are bound by a verticle deployed that many times: Vert.x shares a port among the
 * servers that listen on it and hands each new connection to the next one, so a connection runs on
 * one event loop for its whole life and its state needs no locking. (A {@code NetServer} created
 * outside a verticle would serve all of its connections from one event loop.)
 *
 * <p>Before a connection reaches the protocol: the PROXY protocol header, when expected, within
 * {@link Listening#proxyHeaderTimeout} (else the connection is closed); then the port's
 * {@link IpPolicy} on that (real) client address, where a refused connection is told
 * {@link Options#refused} and closed; then the per-client-address cap, counted over all ports and
 * loops of the set, where a connection over the cap is told {@link Options#tooManyConnections} and
 * closed.
 *
 * <p>{@link #shutdown} stops accepting at once and gives the open sessions a grace period: each
 * ends as soon as it is at rest (between commands, no transaction open) and what is left at the
 * end of the grace period is ended then, each with its protocol's goodbye ({@link LineConnection}).
 */
public final class ListenerSet {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerSet.class);

    /**
     * One port.
     *
     * @param name how the protocol names it ({@link Accepted#listener}, {@link #actualPort})
     * @param port 0 picks a free port
     * @param implicitTls TLS from the first octet; otherwise plain, with STARTTLS when there is a certificate
     * @param ipPolicy which client addresses may connect to this port
     */
    public record Port(String name, int port, boolean implicitTls, IpPolicy ipPolicy) {

        public Port {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(ipPolicy, "ipPolicy");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + name + " must be 0..65535, was " + port);
            }
        }

        /** Open to every address. */
        public Port(String name, int port, boolean implicitTls) {
            this(name, port, implicitTls, IpPolicy.ALLOW_ALL);
        }
    }

    /**
     * @param host the address to bind
     * @param ports at least one
     * @param tls the certificate and key; null for no TLS at all (then no port may be implicit TLS)
     * @param proxyProtocol whether every connection starts with a PROXY protocol header (v1 or v2)
     * @param listening event loops and the PROXY header timeout
     * @param maxConnectionsPerIp connections one client address may hold at once; 0 for no cap
     * @param tooManyConnections what a connection over the cap is told before it is closed
     * @param refused what a connection its port's {@link IpPolicy} refuses is told before it is
     *     closed, given the client's address
     */
    public record Options(String host, List<Port> ports, PemKeyCertOptions tls, boolean proxyProtocol,
            Listening listening, int maxConnectionsPerIp, String tooManyConnections, Function<String, String> refused) {

        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(listening, "listening");
            Objects.requireNonNull(tooManyConnections, "tooManyConnections");
            Objects.requireNonNull(refused, "refused");
            ports = List.copyOf(ports);
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("at least one port");
            }
            if (maxConnectionsPerIp < 0) {
                throw new IllegalArgumentException("maxConnectionsPerIp must be 0 (no cap) or more");
            }
            for (Port p : ports) {
                if (p.implicitTls() && tls == null) {
                    throw new IllegalArgumentException("the implicit-TLS port " + p.name() + " needs a certificate");
                }
            }
        }
    }

    private final Vertx vertx;
    private final Options options;
    private final Handler<Accepted> handler;
    private volatile SslContext startTls;
    private final Map<String, Integer> connectionsPerIp = new ConcurrentHashMap<>();
    private final Buffer tooManyConnections;
    /** Connections accepted and not yet released, for {@link #shutdown}. */
    private final Set<Accepted> open = ConcurrentHashMap.newKeySet();
    private final List<Instance> instances = new CopyOnWriteArrayList<>();
    private volatile boolean shuttingDown;
    private volatile String deployment;
    private volatile int[] actualPorts;
    /** After the grace period, how long the goodbyes may take before Vert.x closes what is left. */
    private static final Duration GOODBYE_TIME = Duration.ofSeconds(2);
    /** Keys for free ports, unique in the process (see {@link #start}). */
    private static final AtomicInteger ANY_PORT = new AtomicInteger();

    private ListenerSet(Vertx vertx, Options options, Handler<Accepted> handler) {
        this.vertx = vertx;
        this.options = options;
        this.handler = handler;
        this.tooManyConnections = Buffer.buffer(options.tooManyConnections());
    }

    /**
     * Binds every port on every event loop; {@code handler} is called on the connection's event
     * loop for each connection within the cap. Fails when a port cannot be bound (Vert.x then
     * undeploys what had started).
     */
    public static Future<ListenerSet> start(Vertx vertx, Options options, Handler<Accepted> handler) {
        ListenerSet set = new ListenerSet(vertx, options, handler);
        // Reads the key files, and the first handshake of a JVM loads the TLS classes: both on a
        // worker, not on the first client's event loop.
        Future<Void> tls = options.tls() == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
            set.startTls = ServerTls.startTlsContext(vertx, options.tls());
            ServerTls.warmUp(vertx, options.tls());
            return null;
        }, false);
        // Vert.x shares a port among servers asking for the same one; for a free port that takes a
        // negative number, one per port, so that every loop listens on the same free port.
        int[] requested = options.ports().stream()
                .mapToInt(p -> p.port() == 0 ? -ANY_PORT.incrementAndGet() : p.port()).toArray();
        return tls.compose(v -> vertx.deployVerticle(() -> {
            Instance instance = set.new Instance(requested);
            set.instances.add(instance);
            return instance;
        },
                new DeploymentOptions().setInstances(options.listening().eventLoops()))).map(id -> {
                    set.deployment = id;
                    return set;
                });
    }

    /** The port {@code name} is bound to; -1 when there is no such port. */
    public int actualPort(String name) {
        int[] bound = actualPorts;
        List<Port> ports = options.ports();
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).name().equals(name)) {
                return bound == null ? -1 : bound[i];
            }
        }
        return -1;
    }

    /** Stops listening on every loop and closes the open connections. */
    public Future<Void> close() {
        String id = deployment;
        deployment = null;
        return id == null ? Future.succeededFuture() : vertx.undeploy(id);
    }

    /**
     * Stops accepting at once (the listening sockets close) and lets the open connections finish:
     * each is asked to end at its next rest, and after {@code grace} every one still open is ended
     * with its protocol's goodbye. Completes once every connection is closed and the listeners
     * are undeployed.
     */
    public Future<Void> shutdown(Duration grace) {
        shuttingDown = true;
        // Vert.x stops accepting now, waits for the open connections to close, and closes what is
        // left at the timeout; the goodbyes go out before that, at the end of the grace period.
        Future<Void> stopped = Future.join(instances.stream().map(i -> i.shutdown(grace.plus(GOODBYE_TIME))).toList())
                .mapEmpty();
        for (Accepted a : open) {
            a.context().runOnContext(v -> a.beginShutdown());
        }
        long timer = vertx.setTimer(Math.max(1, grace.toMillis()), t -> {
            if (!open.isEmpty()) {
                LOG.info("grace period over: ending {} sessions", open.size());
            }
            for (Accepted a : open) {
                a.context().runOnContext(v -> a.endShutdown());
            }
        });
        return stopped.eventually(() -> {
            vertx.cancelTimer(timer);
            return close();
        });
    }

    /** Connections open now (accepted and not yet closed). */
    public int openConnections() {
        return open.size();
    }

    private void accepted(Port port, NetSocket socket, Context context) {
        String ip = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
        if (!port.ipPolicy().allows(ip)) {
            LOG.info("refusing a connection from {} on {}: not allowed by the listener's IP policy", ip, port.name());
            socket.write(options.refused().apply(ip)).onComplete(ar -> socket.close());
            return;
        }
        if (!acquire(ip)) {
            LOG.info("refusing a connection from {} on {}: {} connections from that address already", ip, port.name(),
                    options.maxConnectionsPerIp());
            socket.write(tooManyConnections).onComplete(ar -> socket.close());
            return;
        }
        Accepted[] self = new Accepted[1];
        Accepted accepted = new Accepted(socket, port.name(), ip, port.implicitTls() ? null : startTls, context,
                () -> {
                    open.remove(self[0]);
                    release(ip);
                });
        self[0] = accepted;
        open.add(accepted);
        if (port.implicitTls()) {
            TlsSessions.started(port.name(), socket.sslSession());
        }
        try {
            handler.handle(accepted);
        } catch (RuntimeException e) {
            LOG.warn("could not start a session for a connection from {} on {}", ip, port.name(), e);
            accepted.release();
            socket.close();
            return;
        }
        if (shuttingDown && !accepted.isReleased()) {
            // Accepted as the listening socket closed (or while the shutdown began): greeted, then
            // told goodbye like the others, rather than closed without a word.
            accepted.beginShutdown();
        }
    }

    private boolean acquire(String ip) {
        int max = options.maxConnectionsPerIp();
        if (max == 0) {
            return true;
        }
        boolean[] acquired = new boolean[1];
        connectionsPerIp.compute(ip, (k, n) -> {
            int held = n == null ? 0 : n;
            acquired[0] = held < max;
            return acquired[0] ? Integer.valueOf(held + 1) : n;
        });
        return acquired[0];
    }

    private void release(String ip) {
        if (options.maxConnectionsPerIp() > 0) {
            connectionsPerIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    /**
     * A port that could not be bound, named with what it is for: the bind error alone ("Address already
     * in use") does not say which of a server's ports it was. Also the admin API's and the cluster's.
     */
    public static java.net.BindException cannotListen(String host, int port, String what, Throwable cause) {
        return new java.net.BindException("cannot listen on " + host + " port " + port + " (" + what + "): "
                + cause.getMessage());
    }

    /** Every port, on the event loop of this instance. */
    private final class Instance extends VerticleBase {

        private final int[] ports;
        private final List<NetServer> servers = new ArrayList<>();

        Instance(int[] ports) {
            this.ports = ports;
        }

        @Override
        public Future<?> start() {
            List<Future<NetServer>> listening = new ArrayList<>();
            for (int i = 0; i < ports.length; i++) {
                Port port = options.ports().get(i);
                NetServerOptions net = new NetServerOptions().setHost(options.host()).setPort(ports[i])
                        .setUseProxyProtocol(options.proxyProtocol())
                        .setProxyProtocolTimeout(options.listening().proxyHeaderTimeout().toMillis())
                        .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
                if (port.implicitTls()) {
                    ServerTls.implicit(net, options.tls());
                }
                NetServer server = vertx.createNetServer(net).connectHandler(socket -> accepted(port, socket, context));
                servers.add(server);
                int asked = ports[i];
                listening.add(server.listen().recover(e -> Future.failedFuture(
                        cannotListen(options.host(), asked, port.name(), e))));
            }
            return Future.all(listening).onSuccess(all -> actualPorts = servers.stream()
                    .mapToInt(NetServer::actualPort).toArray());
        }

        /** Stops accepting now; Vert.x closes the connections still open after {@code timeout}. */
        Future<Void> shutdown(Duration timeout) {
            return Future.join(servers.stream().map(s -> s.shutdown(timeout.toMillis(), TimeUnit.MILLISECONDS))
                    .toList()).mapEmpty();
        }

        @Override
        public Future<?> stop() {
            return Future.join(servers.stream().map(NetServer::close).toList());
        }
    }
}
