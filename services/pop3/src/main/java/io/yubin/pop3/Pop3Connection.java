package io.yubin.pop3;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ServerSSLOptions;
import io.yubin.store.BlobStore;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side of one session: frames input into lines, hands them to the {@link Pop3Session}
 * one at a time (commands may be pipelined, RFC 2449 §6.6), writes the answers, streams messages
 * from the blob store with back-pressure, and performs STLS.
 */
final class Pop3Connection {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3Connection.class);

    /** Octets read from a blob per step; also the most a message costs in heap at a time. */
    static final int CHUNK = 64 * 1024;
    /** Pipelined lines waiting beyond this pause reading from the socket. */
    static final int MAX_PENDING_LINES = 64;
    /** Octets of one over-long line dropped before the connection closes. */
    static final long MAX_DISCARD = 64 * 1024;

    private final NetSocket socket;
    private final Pop3Session session;
    private final BlobStore blobs;
    private final WorkerExecutor blobIo;
    private final ServerSSLOptions stls;
    private final Context context;
    private final String id;
    private final Pop3LineFramer framer = new Pop3LineFramer(Pop3Session.MAX_SASL_RESPONSE_OCTETS, MAX_DISCARD);
    private final Deque<Pop3LineFramer.Line> pending = new ArrayDeque<>();
    private boolean busy;
    private boolean draining;
    private boolean paused;
    /** Between STLS and the end of the handshake every plaintext octet is dropped (RFC 2595 §4). */
    private boolean discardUntilTls;
    private boolean closed;
    /** A message stream waiting for the socket to drain; run at close too, so the stream ends. */
    private Runnable resumeStream;

    Pop3Connection(String id, NetSocket socket, Pop3Session session, BlobStore blobs, WorkerExecutor blobIo,
            ServerSSLOptions stls, Context context) {
        this.id = id;
        this.socket = socket;
        this.session = session;
        this.blobs = blobs;
        this.blobIo = blobIo;
        this.stls = stls;
        this.context = context;
    }

    void start() {
        socket.handler(this::received);
        socket.closeHandler(v -> {
            closed = true;
            pending.clear();
            session.closed();
            Runnable waiting = resumeStream;
            resumeStream = null;
            if (waiting != null) {
                waiting.run();
            }
            LOG.debug("[pop3 {}] connection closed", id);
        });
        socket.exceptionHandler(e -> LOG.debug("[pop3 {}] connection error: {}", id, e.toString()));
        socket.write(session.greeting());
    }

    private void received(Buffer data) {
        if (discardUntilTls || closed) {
            return;
        }
        for (Pop3LineFramer.Line line : framer.feed(data.getBytes())) {
            pending.add(line);
            if (line instanceof Pop3LineFramer.Line.Flood) {
                break;
            }
        }
        if (pending.size() > MAX_PENDING_LINES && !paused) {
            paused = true;
            socket.pause();
        }
        drain();
    }

    /** Answers pending lines in order, one at a time, without recursion for answers ready at once. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (!busy && !closed && !pending.isEmpty()) {
                busy = true;
                answer(pending.poll()).onComplete(ar -> {
                    if (ar.failed()) {
                        LOG.warn("[pop3 {}] closing after a failure", id, ar.cause());
                        closeNow();
                    }
                    busy = false;
                    drain();
                });
            }
        } finally {
            draining = false;
        }
        if (paused && pending.size() <= MAX_PENDING_LINES / 2 && !discardUntilTls && !closed) {
            paused = false;
            socket.resume();
        }
    }

    private Future<Void> answer(Pop3LineFramer.Line line) {
        if (line instanceof Pop3LineFramer.Line.Flood) {
            return end(Pop3Replies.err("line too long, closing"));
        }
        if (line instanceof Pop3LineFramer.Line.TooLong) {
            return respond(session.tooLong());
        }
        return session.handle(((Pop3LineFramer.Line.Text) line).octets()).compose(this::respond);
    }

    private Future<Void> respond(Pop3Response response) {
        if (closed) {
            return Future.succeededFuture();
        }
        if (response instanceof Pop3Response.Text text) {
            if (text.close()) {
                return end(text.text());
            }
            socket.write(text.text());
            return Future.succeededFuture();
        }
        if (response instanceof Pop3Response.StartTls start) {
            return startTls(start.text());
        }
        return stream((Pop3Response.Message) response);
    }

    private Future<Void> end(String text) {
        closed = true;
        pending.clear();
        return socket.end(Buffer.buffer(text)).recover(e -> Future.succeededFuture());
    }

    private void closeNow() {
        closed = true;
        pending.clear();
        socket.close();
    }

    /** RFC 2595 §4: input pipelined after STLS is dropped; the handshake follows the +OK at once. */
    private Future<Void> startTls(String ok) {
        discardUntilTls = true;
        pending.clear();
        framer.reset();
        return socket.upgradeToSsl(stls, (String) null, Buffer.buffer(ok)).transform(ar -> {
            if (ar.failed()) {
                LOG.debug("[pop3 {}] TLS handshake failed: {}", id, ar.cause().toString());
                closeNow();
                return Future.succeededFuture();
            }
            discardUntilTls = false;
            session.tlsStarted();
            if (paused) {
                paused = false;
                socket.resume();
            }
            return Future.succeededFuture();
        });
    }

    /** RETR and TOP: opens the body first, so a missing body is an -ERR and not a broken answer. */
    private Future<Void> stream(Pop3Response.Message message) {
        return Future.fromCompletionStage(blobs.get(message.blob()), context).transform(opened -> {
            if (opened.failed()) {
                LOG.warn("[pop3 {}] opening a message body failed", id, Pop3Replies.unwrap(opened.cause()));
                socket.write(Pop3Replies.failure(opened.cause()));
                return Future.succeededFuture();
            }
            InputStream in = opened.result();
            socket.write(message.status());
            Promise<Void> done = Promise.promise();
            pump(in, new Pop3MessageEncoder(message.topLines()), done);
            return done.future().eventually(() -> blobIo.executeBlocking(() -> {
                in.close();
                return null;
            }, false));
        });
    }

    /** Reads a chunk on the blob worker, writes it stuffed, and waits for the socket to drain. */
    private void pump(InputStream in, Pop3MessageEncoder encoder, Promise<Void> done) {
        if (closed) {
            done.complete();
            return;
        }
        blobIo.executeBlocking(() -> in.readNBytes(CHUNK), false).onComplete(read -> {
            if (read.failed()) {
                // The status line is out: the only honest end is to drop the connection.
                LOG.warn("[pop3 {}] reading a message body failed", id, read.cause());
                closeNow();
                done.complete();
                return;
            }
            byte[] chunk = read.result();
            if (closed) {
                done.complete();
                return;
            }
            if (chunk.length > 0) {
                socket.write(Buffer.buffer(encoder.encode(chunk, chunk.length)));
            }
            if (chunk.length < CHUNK || encoder.done()) {
                socket.write(Buffer.buffer(encoder.finish()));
                done.complete();
            } else if (socket.writeQueueFull()) {
                resumeStream = () -> pump(in, encoder, done);
                socket.drainHandler(v -> {
                    socket.drainHandler(null);
                    Runnable next = resumeStream;
                    resumeStream = null;
                    if (next != null) {
                        next.run();
                    }
                });
            } else {
                pump(in, encoder, done);
            }
        });
    }
}
