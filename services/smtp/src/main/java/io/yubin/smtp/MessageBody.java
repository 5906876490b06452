package io.yubin.smtp;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.yubin.protocol.SpooledBody;
import java.io.InputStream;
import java.util.Arrays;

/**
 * One message body as it arrives in DATA or BDAT: a {@link SpooledBody} (in heap up to the memory
 * threshold, then a temporary file, with back-pressure), plus the first {@link #HEAD_SIZE} octets,
 * always kept to look at the header block.
 */
final class MessageBody {

    static final int HEAD_SIZE = 64 * 1024;

    private final SpooledBody body;
    private final byte[] head = new byte[HEAD_SIZE];
    private int headLength;

    MessageBody(Vertx vertx, int memoryThreshold) {
        this.body = new SpooledBody(vertx, memoryThreshold, "yubin-smtp-");
    }

    void write(byte[] bytes, int offset, int length) {
        if (headLength < HEAD_SIZE) {
            int n = Math.min(length, HEAD_SIZE - headLength);
            System.arraycopy(bytes, offset, head, headLength, n);
            headLength += n;
        }
        body.write(bytes, offset, length);
    }

    long size() {
        return body.size();
    }

    /** The first octets of the body (up to {@link #HEAD_SIZE}). */
    byte[] head() {
        return Arrays.copyOf(head, headLength);
    }

    boolean inMemory() {
        return body.inMemory();
    }

    boolean writeQueueFull() {
        return body.writeQueueFull();
    }

    /** Called once when the write queue is no longer full. */
    void drainHandler(Handler<Void> handler) {
        body.drainHandler(handler);
    }

    /** Completes when every octet is on disk (or in heap); fails when spooling failed. */
    Future<Void> finish() {
        return body.finish();
    }

    /** The body; for a file, opened lazily by the thread that first reads it (the store's). */
    InputStream inputStream() {
        return body.inputStream();
    }

    /** Deletes the temporary file, if any. */
    Future<Void> discard() {
        return body.discard();
    }
}
