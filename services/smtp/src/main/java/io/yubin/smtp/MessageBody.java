package io.yubin.smtp;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * One message body as it arrives: in heap up to the memory threshold, then in a temporary file
 * written through {@link AsyncFile} (never blocking the event loop). The connection pauses the
 * socket while {@link #writeQueueFull()} and resumes on the drain handler. The first
 * {@link #HEAD_SIZE} octets are always kept to look at the header block.
 */
final class MessageBody {

    static final int HEAD_SIZE = 64 * 1024;
    private static final int FLUSH_SIZE = 64 * 1024;
    private static final int FILE_QUEUE = 512 * 1024;

    private final Vertx vertx;
    private final int memoryThreshold;
    private Buffer pending = Buffer.buffer();
    private final byte[] head = new byte[HEAD_SIZE];
    private int headLength;
    private long size;

    private Future<AsyncFile> opening;
    private AsyncFile file;
    private String path;
    private Throwable failure;
    private Handler<Void> drainHandler;

    MessageBody(Vertx vertx, int memoryThreshold) {
        this.vertx = vertx;
        this.memoryThreshold = memoryThreshold;
    }

    void write(byte[] bytes, int offset, int length) {
        if (failure != null) {
            return;
        }
        size += length;
        if (headLength < HEAD_SIZE) {
            int n = Math.min(length, HEAD_SIZE - headLength);
            System.arraycopy(bytes, offset, head, headLength, n);
            headLength += n;
        }
        pending.appendBytes(bytes, offset, length);
        if (file == null && opening == null && pending.length() > memoryThreshold) {
            openFile();
        } else if (file != null && pending.length() >= FLUSH_SIZE) {
            flush();
        }
    }

    long size() {
        return size;
    }

    /** The first octets of the body (up to {@link #HEAD_SIZE}). */
    byte[] head() {
        return Arrays.copyOf(head, headLength);
    }

    boolean inMemory() {
        return opening == null;
    }

    boolean writeQueueFull() {
        return failure == null && opening != null && (file == null || file.writeQueueFull());
    }

    /** Called once when the write queue is no longer full. */
    void drainHandler(Handler<Void> handler) {
        this.drainHandler = handler;
        if (file != null) {
            file.drainHandler(v -> fireDrain());
        }
    }

    /** Completes when every octet is on disk (or in heap); fails when spooling failed. */
    Future<Void> finish() {
        if (opening == null) {
            return failure == null ? Future.succeededFuture() : Future.failedFuture(failure);
        }
        return opening.compose(f -> {
            flush();
            return f.close();
        }).compose(v -> failure == null ? Future.succeededFuture() : Future.<Void>failedFuture(failure));
    }

    /** The body; for a file, opened lazily by the thread that first reads it (the store's). */
    InputStream inputStream() {
        if (opening == null) {
            return new ByteArrayInputStream(pending.getBytes());
        }
        return new LazyFileInputStream(path);
    }

    /** Deletes the temporary file, if any. */
    Future<Void> discard() {
        pending = Buffer.buffer();
        if (opening == null) {
            return Future.succeededFuture();
        }
        return opening.transform(ar -> ar.succeeded() ? ar.result().close().transform(x -> Future.succeededFuture())
                : Future.<Void>succeededFuture())
                .compose(v -> path == null ? Future.succeededFuture() : vertx.fileSystem().delete(path));
    }

    private void openFile() {
        Promise<AsyncFile> promise = Promise.promise();
        opening = promise.future();
        vertx.fileSystem().createTempFile("yubin-smtp-", ".eml")
                .compose(p -> {
                    path = p;
                    return vertx.fileSystem().open(p, new OpenOptions().setWrite(true).setCreate(false));
                })
                .onComplete(ar -> {
                    if (ar.failed()) {
                        failure = ar.cause();
                        pending = Buffer.buffer();
                        promise.fail(ar.cause());
                        fireDrain();
                        return;
                    }
                    file = ar.result();
                    file.setWriteQueueMaxSize(FILE_QUEUE);
                    file.exceptionHandler(t -> failure = t);
                    flush();
                    promise.complete(file);
                    if (!file.writeQueueFull()) {
                        fireDrain();
                    } else if (drainHandler != null) {
                        file.drainHandler(v -> fireDrain());
                    }
                });
    }

    private void flush() {
        if (pending.length() > 0 && failure == null) {
            Buffer chunk = pending;
            pending = Buffer.buffer(FLUSH_SIZE + 1024);
            file.write(chunk).onFailure(t -> failure = t);
        }
    }

    private void fireDrain() {
        Handler<Void> h = drainHandler;
        drainHandler = null;
        if (h != null) {
            h.handle(null);
        }
    }

    /** Opens the file on the first read, so no file I/O happens on the event loop. */
    private static final class LazyFileInputStream extends InputStream {
        private final String path;
        private InputStream in;

        LazyFileInputStream(String path) {
            this.path = path;
        }

        private InputStream in() throws IOException {
            if (in == null) {
                in = new FileInputStream(path);
            }
            return in;
        }

        @Override
        public int read() throws IOException {
            return in().read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in().read(b, off, len);
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
