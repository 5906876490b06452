package io.yubin.imap;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.yubin.protocol.SpooledBody;
import java.io.IOException;
import java.io.InputStream;

/**
 * A large APPEND message literal as it arrives: a {@link SpooledBody} in a temporary file from the
 * first octet (with back-pressure, as SMTP spools DATA) that knows the size the client announced.
 * Once the literal is whole, the BlobStore reads the file on its own threads; the file is deleted
 * afterwards whatever happened ({@link #discard}).
 *
 * <p>Not piped straight into {@code BlobStore.put}: that reads on the store's few threads, and a
 * slow client would hold one of them for as long as it takes to send the message.
 */
final class AppendLiteral {

    private final long size;
    private final SpooledBody body;
    private boolean discarded;

    AppendLiteral(Vertx vertx, long size) {
        this.size = size;
        this.body = new SpooledBody(vertx, 0, "yubin-imap-");
    }

    /** The size the client announced. */
    long size() {
        return size;
    }

    void write(byte[] octets, int offset, int length) {
        if (!discarded) {
            body.write(octets, offset, length);
        }
    }

    boolean writeQueueFull() {
        return !discarded && body.writeQueueFull();
    }

    /** Called once when the write queue is no longer full (or writing has failed). */
    void drainHandler(Handler<Void> handler) {
        body.drainHandler(handler);
    }

    /** Completes when every octet is in the file; fails when writing failed or octets are missing. */
    Future<Void> finish() {
        return body.finish().compose(v -> body.size() == size ? Future.<Void>succeededFuture()
                : Future.failedFuture(new IOException("literal has " + body.size() + " of " + size + " octets")));
    }

    /** The literal's octets; the file is opened by the thread that first reads it (the store's). */
    InputStream inputStream() {
        return body.inputStream();
    }

    /** Deletes the temporary file; safe to call more than once and before the literal is whole. */
    Future<Void> discard() {
        if (discarded) {
            return Future.succeededFuture();
        }
        discarded = true;
        return body.discard();
    }
}
