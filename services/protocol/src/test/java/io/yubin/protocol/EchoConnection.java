package io.yubin.protocol;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A line protocol for testing {@link LineConnection}: every line is echoed, except
 * {@code STARTTLS}, {@code BLOCK} (completes when the test opens {@link #gate}), {@code READ}
 * (answers with the next line, {@link #nextUnit}), {@code QUIT} and {@code FAIL}; between {@code BEGIN}
 * and {@code COMMIT} a shutdown waits ({@link #canEndForShutdown}).
 */
final class EchoConnection extends LineConnection<String> {

    /** What the test sees of the connection; written on its event loop, read by the test. */
    static final class Record {
        final List<String> framed = new CopyOnWriteArrayList<>();
        final List<String> handled = new CopyOnWriteArrayList<>();
        final List<String> dropped = new CopyOnWriteArrayList<>();
        final List<String> closed = new CopyOnWriteArrayList<>();
        final List<String> running = new CopyOnWriteArrayList<>();
        volatile Promise<Void> gate;
        volatile io.vertx.core.Context context;
    }

    private final Record record;
    private final Duration idleTimeout;
    private final Deque<String> pending = new ArrayDeque<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private boolean inTransaction;

    EchoConnection(Vertx vertx, Accepted accepted, int maxBacklog, Duration idleTimeout, Record record) {
        super(vertx, accepted, "echo", maxBacklog);
        this.idleTimeout = idleTimeout;
        this.record = record;
        record.context = accepted.context();
    }

    @Override
    protected void feed(Buffer data) {
        for (byte b : data.getBytes()) {
            if (b == '\n') {
                String line = partial.toString(StandardCharsets.UTF_8).replace("\r", "");
                partial.reset();
                pending.add(line);
                record.framed.add(line);
            } else {
                partial.write(b);
            }
        }
    }

    @Override
    protected String next() {
        return pending.poll();
    }

    @Override
    protected int backlog() {
        return pending.size();
    }

    @Override
    protected void dropInput() {
        record.dropped.addAll(pending);
        pending.clear();
        partial.reset();
    }

    @Override
    protected Future<Void> handle(String line) {
        record.running.add(line);
        switch (line) {
            case "STARTTLS":
                return switchToTls(Buffer.buffer("OK go\r\n"));
            case "BLOCK":
                Promise<Void> gate = Promise.promise();
                record.gate = gate;
                return gate.future().map(v -> {
                    send("BLOCKED done\r\n");
                    return null;
                });
            case "READ":
                return nextUnit().map(next -> {
                    send("READ " + next + "\r\n");
                    return null;
                });
            case "QUIT":
                return sendAndClose(Buffer.buffer("BYE\r\n"));
            case "BEGIN", "COMMIT":
                inTransaction = line.equals("BEGIN");
                send("OK " + line + "\r\n");
                return Future.succeededFuture();
            case "FAIL":
                throw new IllegalStateException("failed on purpose");
            default:
                send("ECHO " + line + (socket().isSsl() ? " over TLS" : "") + "\r\n");
                return Future.succeededFuture();
        }
    }

    @Override
    protected void handled(String unit) {
        record.handled.add(unit);
    }

    @Override
    protected Duration idleTimeout() {
        return idleTimeout;
    }

    @Override
    protected void idleTimedOut() {
        sendAndClose(Buffer.buffer("IDLE\r\n"));
    }

    @Override
    protected Buffer shutdownGoodbye() {
        return Buffer.buffer("BYE shutting down\r\n");
    }

    @Override
    protected boolean canEndForShutdown() {
        return !inTransaction;
    }

    @Override
    protected void closed() {
        record.closed.add("closed");
    }

    /** Opens the gate of a running BLOCK, on the connection's event loop. */
    static void open(Record record) {
        record.context.runOnContext(v -> record.gate.complete());
    }

    /**
     * Opens it {@code after} from now by a timer of the connection's own event loop, which runs
     * timers in the order they are due: any timer of the connection due earlier has fired first.
     */
    static void openAfter(Record record, Duration after) {
        record.context.runOnContext(v -> record.context.owner().setTimer(after.toMillis(), t -> record.gate.complete()));
    }
}
