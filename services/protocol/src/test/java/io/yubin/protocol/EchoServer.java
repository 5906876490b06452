package io.yubin.protocol;

import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SelfSignedCertificate;
import io.yubin.testing.vertx.BlockedThreadWatch;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@link EchoConnection}s on a {@link ListenerSet} with a plain port ("plain", STARTTLS) and an
 * implicit-TLS one ("tls"); every socket is seen through a proxy that records pause and resume.
 */
final class EchoServer implements AutoCloseable {

    final Vertx vertx = Vertx.vertx(BlockedThreadWatch.vertxOptions());
    final ListenerSet listeners;
    final EchoConnection.Record record = new EchoConnection.Record();
    /** "pause" and "resume", in the order the connections called them. */
    final List<String> flow = new CopyOnWriteArrayList<>();

    EchoServer(int maxBacklog, Duration idleTimeout) throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
        ListenerSet.Options options = new ListenerSet.Options("127.0.0.1",
                List.of(new ListenerSet.Port("plain", 0, false), new ListenerSet.Port("tls", 0, true)),
                certificate.keyCertOptions(), false, new Listening(2, Duration.ofSeconds(10)), 0, "NO\r\n",
                ip -> "NO\r\n");
        listeners = ListenerSet.start(vertx, options, accepted -> {
            Accepted watched = new Accepted(recording(accepted.socket()), accepted.listener(),
                    accepted.clientAddress(), accepted.startTls(), accepted.context(), accepted::release);
            new EchoConnection(vertx, watched, maxBacklog, idleTimeout, record)
                    .start(io.vertx.core.buffer.Buffer.buffer("HELLO\r\n"));
            // The set's shutdown reaches the connection through the Accepted it knows.
            accepted.shutdownHandler(new Accepted.ShutdownHandler() {
                @Override
                public void begin() {
                    watched.beginShutdown();
                }

                @Override
                public void end() {
                    watched.endShutdown();
                }
            });
        }).await(20, TimeUnit.SECONDS);
    }

    int port() {
        return listeners.actualPort("plain");
    }

    int tlsPort() {
        return listeners.actualPort("tls");
    }

    private NetSocket recording(NetSocket socket) {
        return (NetSocket) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {NetSocketInternal.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("pause") || method.getName().equals("resume")) {
                        flow.add(method.getName());
                    }
                    try {
                        return method.invoke(socket, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public void close() throws Exception {
        listeners.close().await(10, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
    }
}
