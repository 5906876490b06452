package io.yubin.imap;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.compression.JdkZlibDecoder;
import io.netty.handler.codec.compression.JdkZlibEncoder;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.yubin.protocol.Accepted;
import io.yubin.protocol.LineConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side of one IMAP session on the shared {@link LineConnection} (commands one at a time
 * in order, back-pressure, STARTTLS, the autologout timer): frames input into commands, answers
 * continuation requests for synchronizing literals, streams a large APPEND literal to a file as it
 * arrives (reading waits while the file write is behind), and hands single lines to a session that
 * waits for one (AUTHENTICATE, IDLE's DONE).
 */
final class ImapConnection extends LineConnection<ImapFramer.Event> implements ImapSession.Client {

    private static final Logger LOG = LoggerFactory.getLogger(ImapConnection.class);
    /** Framed commands waiting beyond this pause reading from the socket. */
    private static final int MAX_PENDING = 32;
    /** APPEND message literals from this size on go to a temporary file as they arrive. */
    static final long APPEND_STREAM_FROM = 256 * 1024;

    private final Vertx vertx;
    private final ImapFramer framer;
    private final Duration idleTimeout;
    private final Deque<ImapFramer.Event> pending = new ArrayDeque<>();
    private ImapSession session;
    /** The APPEND literal being streamed, until its command is whole. */
    private AppendLiteral incoming;

    ImapConnection(Vertx vertx, Accepted accepted, String id, ImapLimits limits, Duration idleTimeout) {
        super(vertx, accepted, "imap " + id, MAX_PENDING);
        this.vertx = vertx;
        this.idleTimeout = idleTimeout;
        this.framer = new ImapFramer(limits.maxLine(), limits.maxCommand(), limits.maxMessageSize(),
                APPEND_STREAM_FROM);
    }

    void start(ImapSession session) {
        this.session = session;
        start(Buffer.buffer(session.greeting().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    protected void feed(Buffer data) {
        for (ImapFramer.Event e : framer.feed(data.getBytes())) {
            if (e instanceof ImapFramer.Continue) {
                // RFC 9051 §7.5: the client waits for this before sending the literal's octets.
                if (!awaitingUnit()) {
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
        if (incoming != null && incoming.writeQueueFull()) {
            // Back-pressure: read no more of the literal until the file has taken what came.
            AppendLiteral waitingOn = incoming;
            holdInput(waitingOn);
            waitingOn.drainHandler(v -> releaseInput(waitingOn));
        }
    }

    @Override
    protected ImapFramer.Event next() {
        return pending.poll();
    }

    @Override
    protected int backlog() {
        return pending.size();
    }

    /** Drops the commands not run yet and the literal being read, deleting their temporary files. */
    @Override
    protected void dropInput() {
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
        framer.reset();
    }

    @Override
    protected Future<Void> handle(ImapFramer.Event e) {
        return e instanceof ImapFramer.Refused r ? session.refused(r) : session.handle((ImapFramer.Command) e);
    }

    @Override
    protected void handled(ImapFramer.Event e) {
        if (e instanceof ImapFramer.Command c && c.literal() != null) {
            // The command is done with it, whatever it did (the blob has its own copy).
            c.literal().discard().onFailure(t -> LOG.warn("[{}] could not delete a literal file", id, t));
        }
    }

    /** RFC 9051 §5.4: the autologout timer; a running command is the server's time, not the client's. */
    @Override
    protected Duration idleTimeout() {
        return idleTimeout;
    }

    /** RFC 9051 §7.1.5: BYE, then close. */
    @Override
    protected void idleTimedOut() {
        sendAndClose(Buffer.buffer("* BYE Autologout; idle for too long\r\n"));
    }

    /** RFC 9051 §7.1.5: BYE announces that the server is closing the connection. */
    @Override
    protected Buffer shutdownGoodbye() {
        return Buffer.buffer("* BYE Server shutting down\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** A command arriving (an APPEND literal on its way) is let finish within the grace period. */
    @Override
    protected boolean canEndForShutdown() {
        return incoming == null && framer.atCommandStart();
    }

    @Override
    protected void closed() {
        session.closed();
        LOG.debug("[{}] connection closed", id);
    }

    @Override
    public void write(String text) {
        send(text);
    }

    @Override
    public void write(byte[] octets) {
        send(Buffer.buffer(octets));
    }

    @Override
    public Future<Void> drained() {
        return writable();
    }

    @Override
    public Future<String> readLine() {
        return nextUnit().map(e -> e instanceof ImapFramer.Command c
                ? new String(c.segments().get(0), StandardCharsets.UTF_8) : "");
    }

    @Override
    public Future<Void> startTls(String ok) {
        return switchToTls(Buffer.buffer(ok.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * RFC 4978: everything after the OK is raw DEFLATE in both directions, inside TLS. The inflater
     * goes in first (the client sends nothing compressed before it has the OK), the deflater once
     * the OK has left; Netty's encoder ends every write with a sync flush, as §4 requires.
     */
    @Override
    public Future<Void> startCompression(String ok) {
        ChannelHandlerContext ctx = ((NetSocketInternal) socket()).channelHandlerContext();
        ctx.pipeline().addBefore(ctx.name(), "imap-inflate", new JdkZlibDecoder(ZlibWrapper.NONE, 64 * 1024));
        return socket().write(Buffer.buffer(ok.getBytes(StandardCharsets.UTF_8))).map(v -> {
            ctx.pipeline().addBefore(ctx.name(), "imap-deflate", new JdkZlibEncoder(ZlibWrapper.NONE, 6));
            return null;
        });
    }

    @Override
    public Future<Void> end(String text) {
        return sendAndClose(Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        closeNow();
    }
}
