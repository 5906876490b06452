package io.yubin.smtp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.ServerSSLOptions;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Socket I/O for one session: frames input into lines with a bounded buffer, runs pipelined
 * commands one after the other (replies in order, RFC 2920), reads DATA (dot-unstuffing, end at
 * CRLF.CRLF only) and BDAT chunks into the {@link MessageBody} with backpressure, upgrades to TLS
 * discarding whatever plaintext was pipelined after STARTTLS, and enforces the timeouts.
 */
final class SmtpConnection {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpConnection.class);
    /** Unprocessed input held before the socket is paused. */
    private static final int MAX_INPUT = 256 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private enum Mode { COMMAND, DATA, CHUNK, TLS_HANDSHAKE, CLOSING }

    private final Vertx vertx;
    private final NetSocket socket;
    private final SmtpSession session;
    private final SmtpLimits limits;
    private final String hostname;
    private final ServerSSLOptions tls;
    private final Runnable onClose;
    private final LineFramer framer;

    private Mode mode = Mode.COMMAND;
    private boolean busy;
    private boolean paused;
    private boolean waitingForDrain;
    private long timer = -1;
    private boolean closed;

    private MessageBody body;
    private long bodySize;
    private SmtpSession.BodyProblem bodyProblem;
    private long chunkRemaining;
    private long chunkSize;
    private boolean chunkLast;

    SmtpConnection(Vertx vertx, NetSocket socket, SmtpSession session, SmtpLimits limits, String hostname,
            ServerSSLOptions tls, Runnable onClose) {
        this.vertx = vertx;
        this.socket = socket;
        this.session = session;
        this.limits = limits;
        this.hostname = hostname;
        this.tls = tls;
        this.onClose = onClose;
        this.framer = new LineFramer(limits.maxLineLength());
    }

    void start() {
        socket.handler(this::onData);
        socket.closeHandler(v -> onClosed());
        socket.exceptionHandler(t -> {
            LOG.debug("[{}] connection error", session.id(), t);
            socket.close();
        });
        write(session.greeting());
        armTimer();
    }

    private void onData(Buffer data) {
        if (mode == Mode.CLOSING || mode == Mode.TLS_HANDSHAKE) {
            // RFC 3207 §4.2 / docs/architecture.md §5: plaintext pipelined after STARTTLS is dropped.
            return;
        }
        framer.feed(data);
        if (framer.available() > MAX_INPUT && !paused) {
            paused = true;
            socket.pause();
        }
        armTimer();
        process();
    }

    private void process() {
        while (!busy && !closed) {
            switch (mode) {
                case COMMAND -> {
                    LineFramer.Line line = framer.nextLine();
                    if (line == null) {
                        maybeResume();
                        return;
                    }
                    run(session.onLine(line));
                }
                case DATA -> {
                    if (body.writeQueueFull()) {
                        awaitDrain();
                        return;
                    }
                    LineFramer.Line line = framer.nextLine();
                    if (line == null) {
                        maybeResume();
                        return;
                    }
                    if (line.isDot()) {
                        mode = Mode.COMMAND;
                        SmtpSession.BodyProblem problem = bodyProblem;
                        body = null;
                        run(session.dataEnd(problem));
                    } else {
                        dataLine(line);
                    }
                }
                case CHUNK -> {
                    if (chunkRemaining == 0) {
                        mode = Mode.COMMAND;
                        body = null;
                        run(session.chunkEnd(chunkSize, chunkLast));
                        continue;
                    }
                    if (body != null && body.writeQueueFull()) {
                        awaitDrain();
                        return;
                    }
                    byte[] raw = framer.take(chunkRemaining);
                    if (raw.length == 0) {
                        maybeResume();
                        return;
                    }
                    chunkRemaining -= raw.length;
                    if (body != null) {
                        body.write(raw, 0, raw.length);
                    }
                }
                default -> {
                    return;
                }
            }
        }
    }

    private void dataLine(LineFramer.Line line) {
        if (bodyProblem != SmtpSession.BodyProblem.NONE) {
            return;
        }
        switch (line.problem()) {
            case BARE_CR, BARE_LF -> {
                bodyProblem = SmtpSession.BodyProblem.BARE_LINE_ENDING;
                return;
            }
            case TOO_LONG -> {
                bodyProblem = SmtpSession.BodyProblem.LINE_TOO_LONG;
                return;
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
            return;
        }
        body.write(bytes, offset, bytes.length - offset);
        body.write(CRLF, 0, 2);
    }

    private void awaitDrain() {
        if (waitingForDrain) {
            return;
        }
        waitingForDrain = true;
        if (!paused) {
            paused = true;
            socket.pause();
        }
        cancelTimer();
        MessageBody waitingOn = body;
        waitingOn.drainHandler(v -> {
            waitingForDrain = false;
            armTimer();
            process();
        });
    }

    private void maybeResume() {
        if (paused && !waitingForDrain && framer.available() <= MAX_INPUT / 2) {
            paused = false;
            socket.resume();
        }
    }

    /** Runs one step; further input waits until it is done, so pipelined replies stay in order. */
    private void run(Future<SmtpSession.Step> step) {
        busy = true;
        cancelTimer();
        if (step.isComplete()) {
            apply(step);
            busy = false;
            armTimer();
        } else {
            step.onComplete(ar -> {
                apply(step);
                busy = false;
                armTimer();
                process();
            });
        }
    }

    private void apply(Future<SmtpSession.Step> result) {
        if (closed) {
            return;
        }
        if (result.failed()) {
            write(SmtpReplies.forFailure(session.id(), result.cause()));
            return;
        }
        SmtpSession.Step step = result.result();
        if (step instanceof SmtpSession.Reply r) {
            write(r.reply());
            if (r.close()) {
                closeAfterWrite();
            }
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
            startTls(r.reply());
        }
    }

    private void startTls(SmtpReply reply) {
        mode = Mode.TLS_HANDSHAKE;
        framer.discard();
        socket.upgradeToSsl(tls, Buffer.buffer(reply.bytes())).onComplete(ar -> {
            if (ar.failed()) {
                LOG.debug("[{}] TLS handshake failed", session.id(), ar.cause());
                socket.close();
                return;
            }
            framer.discard();
            SSLSession ssl = socket.sslSession();
            session.tlsStarted(ssl == null ? "TLS" : ssl.getProtocol(), ssl == null ? "" : ssl.getCipherSuite());
            mode = Mode.COMMAND;
            armTimer();
            process();
        });
    }

    private void write(SmtpReply reply) {
        if (!closed) {
            socket.write(Buffer.buffer(reply.bytes()));
        }
    }

    private void closeAfterWrite() {
        mode = Mode.CLOSING;
        cancelTimer();
        socket.end().onComplete(ar -> socket.close());
    }

    private void armTimer() {
        cancelTimer();
        if (closed || busy || waitingForDrain || mode == Mode.CLOSING) {
            return;
        }
        // RFC 5321 §4.5.3.2: a timeout for each command, a longer one for each data block.
        long millis = (mode == Mode.DATA || mode == Mode.CHUNK ? limits.dataTimeout() : limits.commandTimeout()).toMillis();
        timer = vertx.setTimer(Math.max(1, millis), id -> {
            timer = -1;
            if (!closed && !busy && mode != Mode.CLOSING) {
                write(SmtpReplies.timeout(hostname));
                closeAfterWrite();
            }
        });
    }

    private void cancelTimer() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void onClosed() {
        if (closed) {
            return;
        }
        closed = true;
        cancelTimer();
        // The session owns the body of the transaction in progress and deletes it.
        session.close();
        body = null;
        onClose.run();
    }
}
