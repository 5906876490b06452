package io.yubin.delivery.remote;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * SMTP sessions kept open after a transaction for the next message to the same server, as Postfix's
 * connection cache: a session is kept for {@code idle} at most and carries at most {@code maxMessages}
 * messages (the per-connection limit that receiving servers expect senders to keep), then ends with
 * QUIT. A session is kept under a key that names the server and the TLS it was set up with, so a
 * message is only carried by a session whose TLS satisfies what that message needs.
 *
 * <p>A kept session belongs to the event loop it was made on; whoever takes it runs on that
 * {@link Idle#context()}. Safe for use from any thread.
 */
final class SessionCache {

    /** A session between transactions. */
    record Idle(SmtpConnection connection, EhloCapabilities capabilities, int messages, long timer) {
        Context context() {
            return connection.context();
        }
    }

    private final Vertx vertx;
    private final int maxMessages;
    private final Duration idle;
    /** Guarded by {@code this}. */
    private final Map<String, Deque<Idle>> sessions = new HashMap<>();
    private boolean closed;

    /** @param maxMessages messages per session; 1 or less keeps none */
    SessionCache(Vertx vertx, int maxMessages, Duration idle) {
        this.vertx = vertx;
        this.maxMessages = maxMessages;
        this.idle = idle;
    }

    /** Whether a session that has carried {@code messages} may be kept for another. */
    boolean keeps(int messages) {
        return maxMessages > 1 && messages < maxMessages && !idle.isZero();
    }

    /** A kept session for {@code key}, the most recent first; null when there is none. */
    synchronized Idle take(String key) {
        Deque<Idle> kept = sessions.get(key);
        Idle taken = kept == null ? null : kept.pollLast();
        if (kept != null && kept.isEmpty()) {
            sessions.remove(key);
        }
        if (taken != null) {
            vertx.cancelTimer(taken.timer());
        }
        return taken;
    }

    /**
     * Keeps a session that has carried {@code messages}, on its own context; after {@code idle} unused
     * it is ended with {@code quit}. Called on the session's context.
     */
    void keep(String key, SmtpConnection connection, EhloCapabilities capabilities, int messages, Runnable quit) {
        long timer = vertx.setTimer(Math.max(1, idle.toMillis()), id -> {
            if (forget(key, connection)) {
                quit.run();
            }
        });
        boolean stored;
        synchronized (this) {
            stored = !closed;
            if (stored) {
                sessions.computeIfAbsent(key, k -> new ArrayDeque<>())
                        .addLast(new Idle(connection, capabilities, messages, timer));
            }
        }
        if (!stored) {
            vertx.cancelTimer(timer);
            quit.run();
        }
    }

    /** Drops the kept session on {@code connection}; false when it was taken (or dropped) already. */
    private synchronized boolean forget(String key, SmtpConnection connection) {
        Deque<Idle> kept = sessions.get(key);
        boolean removed = kept != null && kept.removeIf(session -> session.connection() == connection);
        if (kept != null && kept.isEmpty()) {
            sessions.remove(key);
        }
        return removed;
    }

    /** Sessions kept now (tests, metrics). */
    synchronized int size() {
        return sessions.values().stream().mapToInt(Deque::size).sum();
    }

    /** Closes every kept session and keeps none from now on. */
    void close() {
        Map<String, Deque<Idle>> all;
        synchronized (this) {
            closed = true;
            all = new HashMap<>(sessions);
            sessions.clear();
        }
        all.values().forEach(kept -> kept.forEach(session -> {
            vertx.cancelTimer(session.timer());
            session.context().runOnContext(v -> session.connection().close());
        }));
    }
}
