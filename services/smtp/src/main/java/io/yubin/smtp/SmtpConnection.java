package io.yubin.smtp;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.yubin.protocol.Accepted;
import io.yubin.protocol.LineConnection;
import java.time.Duration;
import javax.net.ssl.SSLSession;

/**
 * Socket I/O for one session on the shared {@link LineConnection} (order, back-pressure, STARTTLS,
 * timeouts): frames input into lines with a bounded buffer, runs pipelined commands one after the
 * other (replies in order, RFC 2920), reads DATA (dot-unstuffing, end at CRLF.CRLF only) and BDAT
 * chunks into the {@link MessageBody}, waiting while its write queue is full.
 */
final class SmtpConnection extends LineConnection<SmtpConnection.Input> {

    /** Unprocessed input held before the socket is paused. */
    private static final int MAX_INPUT = 256 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    /** What the connection handles one at a time: a line, raw BDAT octets, the end of a chunk. */
    sealed interface Input permits LineFramer.Line, Chunk, ChunkEnd {
    }

    record Chunk(byte[] octets) implements Input {
    }

    enum ChunkEnd implements Input { INSTANCE }

    private enum Mode { COMMAND, DATA, CHUNK }

    private final SmtpSession session;
    private final SmtpLimits limits;
    private final String hostname;
    private final LineFramer framer;

    private Mode mode = Mode.COMMAND;
    private MessageBody body;
    private long bodySize;
    private SmtpSession.BodyProblem bodyProblem;
    private long chunkRemaining;
    private long chunkSize;
    private boolean chunkLast;

    SmtpConnection(Vertx vertx, Accepted accepted, SmtpSession session, SmtpLimits limits, String hostname) {
        super(vertx, accepted, session.id(), MAX_INPUT);
        this.session = session;
        this.limits = limits;
        this.hostname = hostname;
        this.framer = new LineFramer(limits.maxLineLength());
    }

    void start() {
        start(Buffer.buffer(session.greeting().bytes()));
    }

    @Override
    protected void feed(Buffer data) {
        framer.feed(data);
    }

    @Override
    protected Input next() {
        if (mode != Mode.CHUNK) {
            return framer.nextLine();
        }
        if (chunkRemaining == 0) {
            return ChunkEnd.INSTANCE;
        }
        byte[] raw = framer.take(chunkRemaining);
        return raw.length == 0 ? null : new Chunk(raw);
    }

    @Override
    protected int backlog() {
        return framer.available();
    }

    @Override
    protected void dropInput() {
        framer.discard();
    }

    @Override
    protected Future<Void> handle(Input input) {
        if (input instanceof LineFramer.Line line) {
            return mode == Mode.DATA ? dataLine(line) : run(session.onLine(line));
        }
        if (input instanceof Chunk chunk) {
            chunkRemaining -= chunk.octets().length;
            if (body == null) {
                return Future.succeededFuture();
            }
            body.write(chunk.octets(), 0, chunk.octets().length);
            return bodyWritable();
        }
        mode = Mode.COMMAND;
        body = null;
        return run(session.chunkEnd(chunkSize, chunkLast));
    }

    private Future<Void> dataLine(LineFramer.Line line) {
        if (line.isDot()) {
            mode = Mode.COMMAND;
            SmtpSession.BodyProblem problem = bodyProblem;
            body = null;
            return run(session.dataEnd(problem));
        }
        if (bodyProblem != SmtpSession.BodyProblem.NONE) {
            return Future.succeededFuture();
        }
        switch (line.problem()) {
            case BARE_CR, BARE_LF -> {
                bodyProblem = SmtpSession.BodyProblem.BARE_LINE_ENDING;
                return Future.succeededFuture();
            }
            case TOO_LONG -> {
                bodyProblem = SmtpSession.BodyProblem.LINE_TOO_LONG;
                return Future.succeededFuture();
            }
            default -> {
            }
        }
        byte[] bytes = line.bytes();
        // RFC 5321 §4.5.2: a leading dot was doubled by the client.
        int offset = bytes.length > 0 && bytes[0] == '.' ? 1 : 0;
        bodySize += bytes.length - offset + 2;
        if (bodySize > limits.maxMessageSize()) {
            bodyProblem = SmtpSession.BodyProblem.TOO_BIG;
            return Future.succeededFuture();
        }
        body.write(bytes, offset, bytes.length - offset);
        body.write(CRLF, 0, 2);
        return bodyWritable();
    }

    /** Done at once, or when the body's write queue has room again (reading waits meanwhile). */
    private Future<Void> bodyWritable() {
        if (!body.writeQueueFull()) {
            return Future.succeededFuture();
        }
        Promise<Void> room = Promise.promise();
        body.drainHandler(v -> room.tryComplete());
        return room.future();
    }

    /** Runs one step of the session and acts on it; further input waits until it is done. */
    private Future<Void> run(Future<SmtpSession.Step> step) {
        return step.isComplete() ? apply(step) : step.transform(this::apply);
    }

    private Future<Void> apply(AsyncResult<SmtpSession.Step> result) {
        if (isClosing()) {
            return Future.succeededFuture();
        }
        if (result.failed()) {
            write(SmtpReplies.forFailure(session.id(), result.cause()));
            return Future.succeededFuture();
        }
        SmtpSession.Step step = result.result();
        if (step instanceof SmtpSession.Reply r) {
            if (r.close()) {
                return sendAndClose(Buffer.buffer(r.reply().bytes()));
            }
            write(r.reply());
        } else if (step instanceof SmtpSession.ReadData r) {
            write(r.reply());
            mode = Mode.DATA;
            body = r.body();
            bodySize = 0;
            bodyProblem = SmtpSession.BodyProblem.NONE;
        } else if (step instanceof SmtpSession.ReadChunk r) {
            mode = Mode.CHUNK;
            body = r.body();
            chunkSize = r.size();
            chunkRemaining = r.size();
            chunkLast = r.last();
        } else if (step instanceof SmtpSession.StartTls r) {
            return switchToTls(Buffer.buffer(r.reply().bytes())).map(v -> {
                if (!isClosing()) {
                    SSLSession ssl = socket().sslSession();
                    session.tlsStarted(ssl == null ? "TLS" : ssl.getProtocol(), ssl == null ? "" : ssl.getCipherSuite());
                }
                return null;
            });
        }
        return Future.succeededFuture();
    }

    private void write(SmtpReply reply) {
        send(Buffer.buffer(reply.bytes()));
    }

    /** RFC 5321 §4.5.3.2: a timeout for each command, a longer one for each data block. */
    @Override
    protected Duration idleTimeout() {
        return mode == Mode.COMMAND ? limits.commandTimeout() : limits.dataTimeout();
    }

    @Override
    protected void idleTimedOut() {
        sendAndClose(Buffer.buffer(SmtpReplies.timeout(hostname).bytes()));
    }

    @Override
    protected Buffer shutdownGoodbye() {
        return Buffer.buffer(SmtpReplies.SHUTTING_DOWN.bytes());
    }

    /** A transaction under way (MAIL given, DATA or BDAT being read) is let finish within the grace period. */
    @Override
    protected boolean canEndForShutdown() {
        return mode == Mode.COMMAND && session.atRest();
    }

    @Override
    protected void closed() {
        // The session owns the body of the transaction in progress and deletes it.
        session.close();
        body = null;
    }
}
