package io.yubin.pop3;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.yubin.protocol.Accepted;
import io.yubin.protocol.LineConnection;
import io.yubin.store.BlobStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side of one session on the shared {@link LineConnection} (lines one at a time in
 * order, RFC 2449 §6.6 pipelining, back-pressure, STLS, the autologout timer): frames input into
 * lines for the {@link Pop3Session}, writes the answers and streams messages from the blob store,
 * waiting for the socket to drain.
 */
final class Pop3Connection extends LineConnection<Pop3LineFramer.Line> {

    private static final Logger LOG = LoggerFactory.getLogger(Pop3Connection.class);

    /** Octets read from a blob per step; also the most a message costs in heap at a time. */
    static final int CHUNK = 64 * 1024;
    /** Pipelined lines waiting beyond this pause reading from the socket. */
    static final int MAX_PENDING_LINES = 64;
    /** Octets of one over-long line dropped before the connection closes. */
    static final long MAX_DISCARD = 64 * 1024;

    private final Pop3Session session;
    private final BlobStore blobs;
    private final WorkerExecutor blobIo;
    private final Context context;
    private final Duration idleTimeout;
    private final Pop3LineFramer framer = new Pop3LineFramer(Pop3Session.MAX_SASL_RESPONSE_OCTETS, MAX_DISCARD);
    private final Deque<Pop3LineFramer.Line> pending = new ArrayDeque<>();

    Pop3Connection(Vertx vertx, Accepted accepted, String id, Pop3Session session, BlobStore blobs,
            WorkerExecutor blobIo, Duration idleTimeout) {
        super(vertx, accepted, "pop3 " + id, MAX_PENDING_LINES);
        this.session = session;
        this.blobs = blobs;
        this.blobIo = blobIo;
        this.context = accepted.context();
        this.idleTimeout = idleTimeout;
    }

    void start() {
        start(Buffer.buffer(session.greeting().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    protected void feed(Buffer data) {
        for (Pop3LineFramer.Line line : framer.feed(data.getBytes())) {
            pending.add(line);
            if (line instanceof Pop3LineFramer.Line.Flood) {
                break;
            }
        }
    }

    @Override
    protected Pop3LineFramer.Line next() {
        return pending.poll();
    }

    @Override
    protected int backlog() {
        return pending.size();
    }

    /** RFC 2595 §4: input pipelined after STLS is dropped, a partial line too. */
    @Override
    protected void dropInput() {
        pending.clear();
        framer.reset();
    }

    @Override
    protected Future<Void> handle(Pop3LineFramer.Line line) {
        if (line instanceof Pop3LineFramer.Line.Flood) {
            return sendAndClose(Buffer.buffer(Pop3Replies.err("line too long, closing")));
        }
        if (line instanceof Pop3LineFramer.Line.TooLong) {
            return respond(session.tooLong());
        }
        return session.handle(((Pop3LineFramer.Line.Text) line).octets()).compose(this::respond);
    }

    private Future<Void> respond(Pop3Response response) {
        if (isClosing()) {
            return Future.succeededFuture();
        }
        if (response instanceof Pop3Response.Text text) {
            if (text.close()) {
                return sendAndClose(Buffer.buffer(text.text()));
            }
            send(text.text());
            return Future.succeededFuture();
        }
        if (response instanceof Pop3Response.StartTls start) {
            return switchToTls(Buffer.buffer(start.text())).map(v -> {
                if (!isClosing()) {
                    session.tlsStarted();
                }
                return null;
            });
        }
        return stream((Pop3Response.Message) response);
    }

    /** RFC 1939 §3: the autologout timer closes without a response and removes nothing. */
    @Override
    protected Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * RFC 1939 has no unsolicited response: the client reads this as the answer to its next
     * command. Nothing is removed (no UPDATE state without QUIT); [SYS/TEMP] is RFC 3206's
     * temporary condition, so the client tries again (on another member).
     */
    @Override
    protected Buffer shutdownGoodbye() {
        return Buffer.buffer(Pop3Replies.err(Pop3Replies.SYS_TEMP, "Server shutting down"));
    }

    @Override
    protected void closed() {
        session.closed();
        LOG.debug("[{}] connection closed", id);
    }

    /** RETR and TOP: opens the body first, so a missing body is an -ERR and not a broken answer. */
    private Future<Void> stream(Pop3Response.Message message) {
        return Future.fromCompletionStage(blobs.get(message.blob()), context).transform(opened -> {
            if (opened.failed()) {
                LOG.warn("[{}] opening a message body failed", id, Pop3Replies.unwrap(opened.cause()));
                send(Pop3Replies.failure(opened.cause()));
                return Future.succeededFuture();
            }
            InputStream in = opened.result();
            send(message.status());
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
        if (isClosing()) {
            done.complete();
            return;
        }
        blobIo.executeBlocking(() -> in.readNBytes(CHUNK), false).onComplete(read -> {
            if (read.failed()) {
                // The status line is out: the only honest end is to drop the connection.
                LOG.warn("[{}] reading a message body failed", id, read.cause());
                closeNow();
                done.complete();
                return;
            }
            byte[] chunk = read.result();
            if (isClosing()) {
                done.complete();
                return;
            }
            if (chunk.length > 0) {
                send(Buffer.buffer(encoder.encode(chunk, chunk.length)));
            }
            if (chunk.length < CHUNK || encoder.done()) {
                send(Buffer.buffer(encoder.finish()));
                done.complete();
            } else {
                writable().onComplete(v -> pump(in, encoder, done));
            }
        });
    }
}
