package io.yubin.protocol;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.internal.net.NetSocketInternal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side that SMTP, IMAP and POP3 share, for one connection on its event loop. The
 * protocol frames what arrives into units (a line, a command with its literals, a chunk of data)
 * and handles one unit at a time; this class does the rest:
 *
 * <ul>
 *   <li><b>Order</b>: units are handled one after the other, the next only once the previous one's
 *       future is complete, so pipelined commands are answered in order (RFC 2920, RFC 9051 §5.5,
 *       RFC 2449 §6.6); units complete at once run in a loop, not by recursion.
 *   <li><b>Back-pressure</b>: reading pauses while more than {@code maxBacklog} is framed and not
 *       handled ({@link #backlog}, in the protocol's measure), and while anything holds the input
 *       ({@link #holdInput}: a file write behind); it resumes at half of it.
 *   <li><b>STARTTLS</b> ({@link #switchToTls}): everything received and not handled is dropped,
 *       the reply goes out in plaintext and the handshake follows; octets arriving in between are
 *       dropped as well (RFC 3207 §4.2, RFC 2595 §4, RFC 9051 §6.2.1: no plaintext pipelined after
 *       the command may be taken as if it came over TLS).
 *   <li><b>Idle timeout</b>: while the connection waits for the client (no unit running, or the
 *       running one waits for input, {@link #nextUnit}), {@link #idleTimeout} without a received
 *       octet calls {@link #idleTimedOut}; time the server spends working never counts.
 *   <li><b>Shutdown</b> ({@link ListenerSet#shutdown}): from the start of the grace period the
 *       session ends with {@link #shutdownGoodbye} as soon as it is at rest (no unit running or the
 *       running one waiting for input, nothing framed, and {@link #canEndForShutdown}); at the end
 *       of the grace period it ends wherever it is.
 *   <li><b>Close</b>: the per-IP slot is given back ({@link Accepted#release}), units not handled
 *       are dropped ({@link #dropInput}) and {@link #closed} runs, once.
 * </ul>
 *
 * <p>Everything here runs on the connection's event loop.
 *
 * @param <U> the protocol's unit of input
 */
public abstract class LineConnection<U> {

    private static final Logger LOG = LoggerFactory.getLogger(LineConnection.class);

    private final Vertx vertx;
    private final Accepted accepted;
    private final NetSocket socket;
    /** The session id, for logs. */
    protected final String id;
    private final int maxBacklog;

    private boolean running;
    private boolean draining;
    /** No more input is taken and nothing more is written: closing, or closed by either side. */
    private boolean closing;
    /** The socket's close handler has run. */
    private boolean closed;
    /** Between the STARTTLS reply and the end of the handshake. */
    private boolean switchingToTls;
    /** The server is shutting down: end at the next rest. */
    private boolean shuttingDown;
    private boolean pausedForBacklog;
    private boolean socketPaused;
    private final Set<Object> holds = Collections.newSetFromMap(new IdentityHashMap<>());
    /** A running unit waiting for the next one ({@link #nextUnit}). */
    private Promise<U> waiter;
    private Promise<Void> drain;
    private long timer = -1;
    private long timerDue;
    private long deadline;

    /**
     * @param maxBacklog how much framed, unhandled input pauses reading, in {@link #backlog}'s measure
     */
    protected LineConnection(Vertx vertx, Accepted accepted, String id, int maxBacklog) {
        this.vertx = vertx;
        this.accepted = accepted;
        this.socket = accepted.socket();
        this.id = id;
        this.maxBacklog = maxBacklog;
        accepted.shutdownHandler(new Accepted.ShutdownHandler() {
            @Override
            public void begin() {
                shuttingDown = true;
                endIfAtRest();
            }

            @Override
            public void end() {
                if (!closing) {
                    LOG.debug("[{}] ended by the shutdown", id);
                    sendAndClose(shutdownGoodbye());
                }
            }
        });
    }

    /** Starts reading, after sending the greeting. */
    public final void start(Buffer greeting) {
        socket.handler(this::received);
        socket.closeHandler(v -> socketClosed());
        socket.exceptionHandler(e -> {
            LOG.debug("[{}] connection error: {}", id, e.toString());
            socket.close();
        });
        send(greeting);
        touch();
    }

    // ---- what the protocol supplies ----

    /** Frames what arrived; may answer at once (a continuation request). Not called after closing. */
    protected abstract void feed(Buffer data);

    /** The next unit to handle, or null until more input arrives. */
    protected abstract U next();

    /** How much is framed or buffered and not handled, in the unit {@code maxBacklog} is given in. */
    protected abstract int backlog();

    /** Drops all input received and not handled (and what it holds, e.g. temporary files). */
    protected abstract void dropInput();

    /** Handles one unit; the next one waits for the returned future. A failure closes the connection. */
    protected abstract Future<Void> handle(U unit);

    /** After {@code unit} was handled, whatever the outcome (free what it held). */
    protected void handled(U unit) {
    }

    /** How long the client may be silent now. */
    protected abstract Duration idleTimeout();

    /** The client was silent for {@link #idleTimeout}: by default the connection closes without a word. */
    protected void idleTimedOut() {
        closeNow();
    }

    /** What the client is told when a server shutdown ends the session (RFC 5321 421, IMAP BYE, POP3 -ERR). */
    protected abstract Buffer shutdownGoodbye();

    /**
     * Whether a shutdown may end the session now, asked between units (or while a running unit
     * waits for the next one) with nothing framed: false while the client is in the middle of
     * something worth finishing (an SMTP transaction, an APPEND literal). By default true.
     */
    protected boolean canEndForShutdown() {
        return true;
    }

    /** The socket is closed, by either side; called once. */
    protected void closed() {
    }

    // ---- what the protocol may use ----

    protected final NetSocket socket() {
        return socket;
    }

    protected final boolean isClosing() {
        return closing;
    }

    /** Whether a running unit waits for the next one ({@link #nextUnit}). */
    protected final boolean awaitingUnit() {
        return waiter != null;
    }

    protected final void send(Buffer data) {
        if (!closing) {
            socket.write(data);
        }
    }

    protected final void send(String text) {
        send(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Completes once the socket's write queue has room again (at once when closing). */
    protected final Future<Void> writable() {
        if (closing || !socket.writeQueueFull()) {
            return Future.succeededFuture();
        }
        if (drain == null) {
            drain = Promise.promise();
            socket.drainHandler(v -> completeDrain());
        }
        return drain.future();
    }

    /** Sends {@code last}, then closes; nothing more is read or written. */
    protected final Future<Void> sendAndClose(Buffer last) {
        stopReading();
        return socket.end(last).recover(e -> Future.succeededFuture()).andThen(ar -> socket.close());
    }

    /** Closes at once; nothing more is read or written. */
    protected final void closeNow() {
        stopReading();
        socket.close();
    }

    /**
     * The unit after the running one, handed to it instead of being handled (an AUTHENTICATE
     * response, IDLE's DONE); fails when the connection closes first. The idle timeout runs meanwhile.
     */
    protected final Future<U> nextUnit() {
        if (closing) {
            return Future.failedFuture("connection closed");
        }
        Promise<U> p = Promise.promise();
        waiter = p;
        touch();
        drain();
        return p.future();
    }

    /** Keeps reading paused until {@link #releaseInput} with the same {@code reason}. */
    protected final void holdInput(Object reason) {
        holds.add(reason);
        updateReading();
    }

    protected final void releaseInput(Object reason) {
        if (holds.remove(reason)) {
            updateReading();
            touch();
        }
    }

    /**
     * STARTTLS: drops all unhandled input, sends {@code reply} in plaintext and starts the
     * handshake with {@link Accepted#startTls}; input arriving before the handshake is done is
     * dropped. Completes when the handshake is done; when it fails, the connection is closed
     * ({@link #isClosing}) and the future still succeeds.
     *
     * <p>The TLS handler goes into the pipeline before the reply is written, in start-TLS mode
     * (its first write passes in plaintext), so that no octet the client sends after reading the
     * reply can be read as plaintext. ({@code NetSocket.upgradeToSsl} would do this too, but in
     * Vert.x 5.0 it fails on every connection that a shared port hands to another event loop than
     * the one that bound it: those sockets have no SSL context manager.)
     */
    protected final Future<Void> switchToTls(Buffer reply) {
        SslContext tls = accepted.startTls();
        if (tls == null) {
            throw new IllegalStateException("no STARTTLS on this connection");
        }
        switchingToTls = true;
        dropInput();
        holds.clear();
        // The handshake needs the socket read.
        updateReading();
        Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
        SslHandler handler = new SslHandler(tls.newEngine(channel.alloc()), true);
        channel.pipeline().addFirst("ssl", handler);
        socket.write(reply);
        Promise<Void> done = Promise.promise();
        handler.handshakeFuture().addListener(handshake -> {
            // Called on this connection's event loop as the handshake ends, before the handler passes
            // on what it decrypts next: the client may send a command in the same packet as its Finished.
            if (handshake.isSuccess()) {
                switchingToTls = false;
                TlsSessions.started(accepted.listener(), handler.engine().getSession());
            }
            accepted.context().runOnContext(v -> {
                if (!handshake.isSuccess()) {
                    LOG.debug("[{}] TLS handshake failed: {}", id, handshake.cause().toString());
                    closeNow();
                } else if (!closing) {
                    updateReading();
                    touch();
                }
                done.complete();
            });
        });
        return done.future();
    }

    // ---- the machinery ----

    private void received(Buffer data) {
        if (closing || switchingToTls) {
            return;
        }
        feed(data);
        touch();
        updateReading();
        drain();
    }

    /** Handles what is ready, in order, one unit at a time. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!closing && !switchingToTls) {
                if (waiter != null) {
                    U unit = next();
                    if (unit == null) {
                        break;
                    }
                    Promise<U> w = waiter;
                    waiter = null;
                    w.complete(unit);
                    continue;
                }
                if (running) {
                    break;
                }
                U unit = next();
                if (unit == null) {
                    break;
                }
                running = true;
                Future<Void> done = handleSafely(unit);
                if (done.isComplete()) {
                    finished(unit, done);
                } else {
                    done.onComplete(ar -> {
                        finished(unit, done);
                        drain();
                    });
                }
            }
        } finally {
            draining = false;
        }
        updateReading();
        touch();
        endIfAtRest();
    }

    /** During a shutdown, ends the session when it is at rest. */
    private void endIfAtRest() {
        if (shuttingDown && !closing && !switchingToTls && !draining && (!running || waiter != null)
                && backlog() == 0 && canEndForShutdown()) {
            LOG.debug("[{}] at rest: ended by the shutdown", id);
            sendAndClose(shutdownGoodbye());
        }
    }

    private Future<Void> handleSafely(U unit) {
        try {
            return handle(unit);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    private void finished(U unit, Future<Void> done) {
        running = false;
        handled(unit);
        if (done.failed() && !closing) {
            LOG.warn("[{}] closing after a failure", id, done.cause());
            closeNow();
        }
    }

    private void updateReading() {
        int backlog = closing ? 0 : backlog();
        pausedForBacklog = backlog > maxBacklog || (pausedForBacklog && backlog > maxBacklog / 2);
        boolean pause = !closing && !switchingToTls && (pausedForBacklog || !holds.isEmpty());
        if (pause != socketPaused) {
            socketPaused = pause;
            if (pause) {
                socket.pause();
            } else {
                socket.resume();
            }
        }
    }

    private boolean waitingForClient() {
        return !closing && !switchingToTls && holds.isEmpty() && (!running || waiter != null);
    }

    /**
     * Input arrived or the connection now waits for it: the client has {@link #idleTimeout} from now.
     * One timer is kept and moved only when it would fire too late.
     */
    private void touch() {
        if (!waitingForClient()) {
            return;
        }
        long now = System.nanoTime();
        deadline = now + idleTimeout().toNanos();
        if (timer >= 0 && timerDue - deadline <= 0) {
            return;
        }
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        schedule(deadline - now);
    }

    private void schedule(long nanos) {
        timerDue = System.nanoTime() + nanos;
        timer = vertx.setTimer(Math.max(1, nanos / 1_000_000), t -> {
            timer = -1;
            if (!waitingForClient()) {
                // Working, not waiting: touched again once the work is done.
                return;
            }
            long left = deadline - System.nanoTime();
            if (left > 0) {
                schedule(left);
            } else {
                LOG.debug("[{}] idle timeout", id);
                idleTimedOut();
            }
        });
    }

    private void stopReading() {
        if (closing) {
            return;
        }
        closing = true;
        dropInput();
        holds.clear();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        failWaiter();
        completeDrain();
    }

    private void socketClosed() {
        if (closed) {
            return;
        }
        closed = true;
        stopReading();
        accepted.release();
        closed();
    }

    private void failWaiter() {
        Promise<U> w = waiter;
        waiter = null;
        if (w != null) {
            w.tryFail("connection closed");
        }
    }

    private void completeDrain() {
        Promise<Void> d = drain;
        drain = null;
        if (d != null) {
            socket.drainHandler(null);
            d.tryComplete();
        }
    }
}
