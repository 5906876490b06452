package io.yubin.imap;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ServerSSLOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side of one IMAP session: frames input into commands, runs them one at a time in
 * order, answers continuation requests for synchronizing literals, hands single lines to a session
 * that waits for one (AUTHENTICATE, IDLE's DONE) and performs STARTTLS.
 */
final class ImapConnection implements ImapSession.Client {

    private static final Logger LOG = LoggerFactory.getLogger(ImapConnection.class);
    /** Framed commands waiting beyond this pause reading from the socket. */
    private static final int MAX_PENDING = 32;
    /** APPEND message literals from this size on go to a temporary file as they arrive. */
    static final long APPEND_STREAM_FROM = 256 * 1024;

    private final String id;
    private final NetSocket socket;
    private final Vertx vertx;
    private final ServerSSLOptions stls;
    private final ImapFramer framer;
    private final Deque<ImapFramer.Event> pending = new ArrayDeque<>();
    private ImapSession session;
    private boolean busy;
    private boolean paused;
    /** The socket is paused until the streamed literal's file write catches up. */
    private boolean waitingForFile;
    /** The APPEND literal being streamed, until its command is whole. */
    private AppendLiteral incoming;
    private boolean closed;
    private boolean discardUntilTls;
    private Promise<String> lineWaiter;

    ImapConnection(Vertx vertx, String id, NetSocket socket, ServerSSLOptions stls, ImapLimits limits) {
        this.vertx = vertx;
        this.id = id;
        this.socket = socket;
        this.stls = stls;
        this.framer = new ImapFramer(limits.maxLine(), limits.maxCommand(), limits.maxMessageSize(),
                APPEND_STREAM_FROM);
    }

    void start(ImapSession session) {
        this.session = session;
        socket.handler(this::received);
        socket.closeHandler(v -> {
            closed = true;
            discardPending();
            Promise<String> waiter = lineWaiter;
            lineWaiter = null;
            if (waiter != null) {
                waiter.tryFail("connection closed");
            }
            session.closed();
            LOG.debug("[imap {}] connection closed", id);
        });
        socket.exceptionHandler(e -> LOG.debug("[imap {}] connection error: {}", id, e.toString()));
        write(session.greeting());
    }

    private void received(Buffer data) {
        if (closed || discardUntilTls) {
            return;
        }
        for (ImapFramer.Event e : framer.feed(data.getBytes())) {
            if (e instanceof ImapFramer.Continue) {
                // RFC 9051 §7.5: the client waits for this before sending the literal's octets.
                if (lineWaiter == null) {
                    write("+ Ready for literal data\r\n");
                }
                continue;
            }
            if (e instanceof ImapFramer.LiteralStart start) {
                incoming = new AppendLiteral(vertx, start.size());
                continue;
            }
            if (e instanceof ImapFramer.LiteralData d) {
                incoming.write(d.octets(), d.offset(), d.length());
                continue;
            }
            if (e instanceof ImapFramer.Command c && c.streamedSegment() >= 0) {
                pending.add(c.withLiteral(incoming));
                incoming = null;
                continue;
            }
            if (e instanceof ImapFramer.Refused && incoming != null) {
                incoming.discard();
                incoming = null;
            }
            pending.add(e);
        }
        if (incoming != null && incoming.writeQueueFull() && !waitingForFile) {
            // Back-pressure: read no more of the literal until the file has taken what came.
            waitingForFile = true;
            socket.pause();
            AppendLiteral waitingOn = incoming;
            waitingOn.drainHandler(v -> {
                waitingForFile = false;
                resumeIfAllowed();
            });
        }
        if (pending.size() > MAX_PENDING && !paused) {
            paused = true;
            socket.pause();
        }
        drain();
    }

    private void resumeIfAllowed() {
        if (!paused && !waitingForFile && !closed && !discardUntilTls) {
            socket.resume();
        }
    }

    /** Drops the commands not run yet and the literal being read, deleting their temporary files. */
    private void discardPending() {
        for (ImapFramer.Event e : pending) {
            if (e instanceof ImapFramer.Command c && c.literal() != null) {
                c.literal().discard();
            }
        }
        pending.clear();
        if (incoming != null) {
            incoming.discard();
            incoming = null;
        }
    }

    private void drain() {
        while (!closed && !pending.isEmpty()) {
            if (lineWaiter != null) {
                ImapFramer.Event e = pending.poll();
                Promise<String> waiter = lineWaiter;
                lineWaiter = null;
                if (e instanceof ImapFramer.Command c) {
                    waiter.complete(new String(c.segments().get(0), StandardCharsets.UTF_8));
                } else {
                    waiter.complete("");
                }
                continue;
            }
            if (busy) {
                break;
            }
            busy = true;
            ImapFramer.Event e = pending.poll();
            Future<Void> done = e instanceof ImapFramer.Refused r ? session.refused(r) : session.handle(
                    (ImapFramer.Command) e);
            done.onComplete(ar -> {
                if (e instanceof ImapFramer.Command c && c.literal() != null) {
                    // The command is done with it, whatever it did (the blob has its own copy).
                    c.literal().discard().onFailure(t -> LOG.warn("[imap {}] could not delete a literal file", id, t));
                }
                if (ar.failed()) {
                    LOG.warn("[imap {}] closing after a failure", id, ar.cause());
                    close();
                }
                busy = false;
                drain();
            });
        }
        if (paused && pending.size() <= MAX_PENDING / 2 && !closed && !discardUntilTls) {
            paused = false;
            resumeIfAllowed();
        }
    }

    @Override
    public void write(String text) {
        if (!closed) {
            socket.write(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Override
    public void write(byte[] octets) {
        if (!closed) {
            socket.write(Buffer.buffer(octets));
        }
    }

    @Override
    public Future<Void> drained() {
        if (closed || !socket.writeQueueFull()) {
            return Future.succeededFuture();
        }
        Promise<Void> p = Promise.promise();
        socket.drainHandler(v -> {
            socket.drainHandler(null);
            p.tryComplete();
        });
        return p.future();
    }

    @Override
    public Future<String> readLine() {
        Promise<String> p = Promise.promise();
        if (closed) {
            p.fail("connection closed");
            return p.future();
        }
        lineWaiter = p;
        drain();
        return p.future();
    }

    @Override
    public Future<Void> startTls(String ok) {
        discardUntilTls = true;
        discardPending();
        framer.reset();
        return socket.upgradeToSsl(stls, (String) null, Buffer.buffer(ok)).transform(ar -> {
            if (ar.failed()) {
                LOG.debug("[imap {}] TLS handshake failed: {}", id, ar.cause().toString());
                close();
                return Future.succeededFuture();
            }
            discardUntilTls = false;
            paused = false;
            waitingForFile = false;
            socket.resume();
            return Future.succeededFuture();
        });
    }

    /**
     * RFC 4978: everything after the OK is raw DEFLATE in both directions, inside TLS. The inflater
     * goes in first (the client sends nothing compressed before it has the OK), the deflater once
     * the OK has left; Netty's encoder ends every write with a sync flush, as §4 requires.
     */
    @Override
    public Future<Void> startCompression(String ok) {
        io.netty.channel.ChannelHandlerContext ctx = ((io.vertx.core.internal.net.NetSocketInternal) socket)
                .channelHandlerContext();
        ctx.pipeline().addBefore(ctx.name(), "imap-inflate",
                new io.netty.handler.codec.compression.JdkZlibDecoder(
                        io.netty.handler.codec.compression.ZlibWrapper.NONE, 64 * 1024));
        return socket.write(Buffer.buffer(ok.getBytes(StandardCharsets.UTF_8))).map(v -> {
            ctx.pipeline().addBefore(ctx.name(), "imap-deflate",
                    new io.netty.handler.codec.compression.JdkZlibEncoder(
                            io.netty.handler.codec.compression.ZlibWrapper.NONE, 6));
            return null;
        });
    }

    @Override
    public Future<Void> end(String text) {
        closed = true;
        discardPending();
        return socket.end(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8))).recover(e -> Future.succeededFuture());
    }

    @Override
    public void close() {
        closed = true;
        discardPending();
        socket.close();
    }
}
