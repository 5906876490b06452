package io.yubin.delivery.remote;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * One TCP connection to a remote SMTP server: commands out, replies in order. Replies are assembled
 * by {@link ReplyParser} and handed to the callers of {@link #reply} in the order asked, so pipelined
 * commands (RFC 2920) read their replies one by one. Used on the socket's event loop only.
 */
final class SmtpConnection {

    /** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets; servers exceed it, not by this much. */
    static final int MAX_REPLY_LINE = 4096;

    private final Vertx vertx;
    private final Context context;
    private final NetSocket socket;
    private final String remoteMta;
    private final ReplyParser parser = new ReplyParser();
    private final ArrayDeque<RemoteReply> arrived = new ArrayDeque<>();
    private final ArrayDeque<Promise<RemoteReply>> waiting = new ArrayDeque<>();
    private Throwable broken;

    SmtpConnection(Vertx vertx, Context context, NetSocket socket, String remoteMta) {
        this.vertx = vertx;
        this.context = context;
        this.socket = socket;
        this.remoteMta = remoteMta;
        RecordParser lines = RecordParser.newDelimited("\r\n", this::line);
        lines.maxRecordSize(MAX_REPLY_LINE);
        lines.exceptionHandler(e -> fail(new SmtpProtocolException("reply line longer than " + MAX_REPLY_LINE)));
        socket.handler(lines);
        socket.exceptionHandler(this::fail);
        socket.closeHandler(v -> fail(new ConnectionLost("connection closed by " + remoteMta)));
    }

    /** The host as DSNs and logs name it: {@code mx.example.org [192.0.2.1]}. */
    String remoteMta() {
        return remoteMta;
    }

    private void line(Buffer line) {
        if (broken != null) {
            return;
        }
        RemoteReply reply;
        try {
            reply = parser.feed(ReplyParser.decode(line.getBytes()));
        } catch (SmtpProtocolException e) {
            fail(e);
            return;
        }
        if (reply == null) {
            return;
        }
        Promise<RemoteReply> next = waiting.poll();
        if (next != null) {
            next.tryComplete(reply);
        } else {
            arrived.add(reply);
        }
    }

    /** The next reply, failing after {@code timeout} (and then dropping the connection). */
    Future<RemoteReply> reply(Duration timeout) {
        RemoteReply ready = arrived.poll();
        if (ready != null) {
            return Future.succeededFuture(ready);
        }
        if (broken != null) {
            return Future.failedFuture(broken);
        }
        Promise<RemoteReply> promise = Promise.promise();
        waiting.add(promise);
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> fail(
                new ConnectionLost("no reply from " + remoteMta + " within " + timeout.toSeconds() + " s")));
        return promise.future().andThen(done -> vertx.cancelTimer(timer));
    }

    /** Sends one command line; CRLF is added. */
    Future<Void> send(String command) {
        return write(Buffer.buffer(command + "\r\n", StandardCharsets.UTF_8.name()));
    }

    /** Sends a pipelined group of command lines in one write (RFC 2920 §3.1). */
    Future<Void> sendAll(Iterable<String> commands) {
        Buffer buffer = Buffer.buffer();
        for (String command : commands) {
            buffer.appendString(command + "\r\n", StandardCharsets.UTF_8.name());
        }
        return write(buffer);
    }

    /** Writes octets; completes when they are handed to the operating system, failing after {@code timeout}. */
    Future<Void> write(Buffer data, Duration timeout) {
        long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> fail(
                new ConnectionLost("could not write to " + remoteMta + " within " + timeout.toSeconds() + " s")));
        return write(data).andThen(done -> vertx.cancelTimer(timer));
    }

    private Future<Void> write(Buffer data) {
        if (broken != null) {
            return Future.failedFuture(broken);
        }
        return socket.write(data);
    }

    /**
     * RFC 3207 §4.2: after the 220 to STARTTLS, the TLS handshake; then nothing said before counts.
     * The TLS handler goes first in the socket's pipeline, with an engine from {@code tls}, which was
     * built off the event loop ({@code NetSocket.upgradeToSsl} would build Vert.x's SSL context, and
     * load the JDK's trust store, on the event loop at the first STARTTLS).
     *
     * @param serverName for SNI (RFC 6066 §3), or null
     * @return the TLS session negotiated
     */
    Future<SSLSession> startTls(SslContext tls, String serverName, int port, Duration timeout) {
        arrived.clear();
        Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
        SSLEngine engine = serverName == null ? tls.newEngine(channel.alloc())
                : tls.newEngine(channel.alloc(), serverName, port);
        SslHandler handler = new SslHandler(engine);
        handler.setHandshakeTimeoutMillis(Math.max(1, timeout.toMillis()));
        Promise<SSLSession> done = Promise.promise();
        channel.pipeline().addFirst("ssl", handler);
        handler.handshakeFuture().addListener(handshake -> context.runOnContext(v -> {
            if (handshake.isSuccess()) {
                done.tryComplete(engine.getSession());
            } else {
                done.tryFail(handshake.cause());
            }
        }));
        return done.future();
    }

    /** The event loop the connection belongs to. */
    Context context() {
        return context;
    }

    /** Neither closed nor failed. */
    boolean isOpen() {
        return broken == null;
    }

    /** Closes the socket; pending replies fail. */
    void close() {
        fail(new ConnectionLost("connection closed"));
    }

    /** Closes the socket; pending replies fail with {@code why}. */
    void abort(String why) {
        fail(new ConnectionLost(why));
    }

    private void fail(Throwable cause) {
        if (broken == null) {
            broken = cause;
            socket.close();
        }
        Promise<RemoteReply> next;
        while ((next = waiting.poll()) != null) {
            next.tryFail(broken);
        }
    }

    /** The connection is gone or timed out: the attempt is temporary trouble. */
    static final class ConnectionLost extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConnectionLost(String message) {
            super(message, null, false, false);
        }
    }
}
