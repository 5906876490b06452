package io.yubin.protocol;

import io.netty.handler.ssl.SslContext;
import io.vertx.core.Context;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection a {@link ListenerSet} accepted and counted: the protocol takes it from here and
 * calls {@link #release} once it is closed ({@link LineConnection} does).
 */
public final class Accepted {

    private final NetSocket socket;
    private final String listener;
    private final String clientAddress;
    private final SslContext startTls;
    private final Context context;
    private final Runnable onRelease;
    private final AtomicBoolean released = new AtomicBoolean();
    /** Set once by the protocol's connection; read on this connection's event loop. */
    private ShutdownHandler shutdownHandler;

    /** What a server shutdown asks of the connection, on its event loop ({@link ListenerSet#shutdown}). */
    interface ShutdownHandler {

        /** The grace period starts: end the session as soon as it is at rest. */
        void begin();

        /** The grace period is over: end the session now. */
        void end();
    }

    Accepted(NetSocket socket, String listener, String clientAddress, SslContext startTls, Context context,
            Runnable onRelease) {
        this.socket = socket;
        this.listener = listener;
        this.clientAddress = clientAddress;
        this.startTls = startTls;
        this.context = context;
        this.onRelease = onRelease;
    }

    public NetSocket socket() {
        return socket;
    }

    /** The name of the {@link ListenerSet.Port} it came in on. */
    public String listener() {
        return listener;
    }

    /** The client's IP address: from the PROXY header when the listener expects one. */
    public String clientAddress() {
        return clientAddress;
    }

    /** Whether the connection is over TLS from its first octet (an implicit-TLS port). */
    public boolean implicitTls() {
        return socket.isSsl();
    }

    /** The TLS of a STARTTLS upgrade; null on an implicit-TLS port or without a certificate. */
    public SslContext startTls() {
        return startTls;
    }

    /** The event loop this connection runs on, for ever. */
    public Context context() {
        return context;
    }

    /** Called by the connection that takes this one over ({@link LineConnection} does). */
    void shutdownHandler(ShutdownHandler handler) {
        this.shutdownHandler = handler;
    }

    /** On the connection's event loop. */
    void beginShutdown() {
        if (shutdownHandler != null) {
            shutdownHandler.begin();
        } else {
            socket.close();
        }
    }

    /** On the connection's event loop. */
    void endShutdown() {
        if (shutdownHandler != null) {
            shutdownHandler.end();
        } else {
            socket.close();
        }
    }

    /** Whether {@link #release} was called. */
    boolean isReleased() {
        return released.get();
    }

    /** Gives the connection's slot back (per-IP cap); only the first call counts. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            onRelease.run();
        }
    }
}
