package io.yubin.protocol;

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

/**
 * A message body as it arrives from a client (docs/architecture.md §4.6: never an unbounded buffer): in
 * heap up to the memory threshold, then in a temporary file written through {@link AsyncFile}, never
 * blocking the event loop. The connection pauses its socket while {@link #writeQueueFull()} and
 * resumes on the {@link #drainHandler drain handler}. Once the body is whole ({@link #finish}), the
 * BlobStore reads {@link #inputStream} on its own threads; {@link #discard} deletes the file
 * whatever happened. Used on one event loop only.
 */
public final class SpooledBody {

    private static final int FLUSH_SIZE = 64 * 1024;
    /** Octets queued for the file before the socket is paused. */
    private static final int FILE_QUEUE = 512 * 1024;

    private final Vertx vertx;
    private final int memoryThreshold;
    private final String filePrefix;
    private Buffer pending = Buffer.buffer();
    private long size;

    private Future<AsyncFile> opening;
    /** The file's one close, by {@link #finish} or {@link #discard}. */
    private Future<Void> closed;
    private AsyncFile file;
    private String path;
    private Throwable failure;
    private Handler<Void> drainHandler;

    /**
     * @param memoryThreshold octets kept in heap before the body moves to a file (0: a file from the first octet)
     * @param filePrefix      the temporary file's name prefix, e.g. {@code yubin-smtp-}
     */
    public SpooledBody(Vertx vertx, int memoryThreshold, String filePrefix) {
        this.vertx = vertx;
        this.memoryThreshold = memoryThreshold;
        this.filePrefix = filePrefix;
    }

    public void write(byte[] bytes, int offset, int length) {
        if (failure != null) {
            return;
        }
        size += length;
        pending.appendBytes(bytes, offset, length);
        if (file == null && opening == null && pending.length() > memoryThreshold) {
            openFile();
        } else if (file != null && pending.length() >= FLUSH_SIZE) {
            flush();
        }
    }

    /** The octets written so far. */
    public long size() {
        return size;
    }

    public boolean inMemory() {
        return opening == null;
    }

    public boolean writeQueueFull() {
        return failure == null && opening != null && (file == null || file.writeQueueFull());
    }

    /** Called once when the write queue is no longer full (or writing has failed). */
    public void drainHandler(Handler<Void> handler) {
        this.drainHandler = handler;
        if (file != null) {
            file.drainHandler(v -> fireDrain());
        }
    }

    /** Completes when every octet is on disk (or in heap); fails when spooling failed. Closes the file once. */
    public Future<Void> finish() {
        if (opening == null) {
            return failure == null ? Future.succeededFuture() : Future.failedFuture(failure);
        }
        if (closed == null) {
            closed = opening.compose(f -> {
                flush();
                return f.close();
            });
        }
        return closed.compose(v -> failure == null ? Future.succeededFuture() : Future.<Void>failedFuture(failure));
    }

    /** The body; for a file, opened lazily by the thread that first reads it (the store's). */
    public InputStream inputStream() {
        if (opening == null) {
            return new ByteArrayInputStream(pending.getBytes());
        }
        return new LazyFileInputStream(path);
    }

    /** Deletes the temporary file, if any; also after {@link #finish} (the file is closed only once). */
    public Future<Void> discard() {
        pending = Buffer.buffer();
        if (opening == null) {
            return Future.succeededFuture();
        }
        if (closed == null) {
            closed = opening.compose(AsyncFile::close);
        }
        return closed.transform(ar -> path == null ? Future.<Void>succeededFuture() : vertx.fileSystem().delete(path));
    }

    private void openFile() {
        Promise<AsyncFile> promise = Promise.promise();
        opening = promise.future();
        vertx.fileSystem().createTempFile(filePrefix, ".eml")
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
