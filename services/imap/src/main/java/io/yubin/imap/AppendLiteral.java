package io.yubin.imap;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A large APPEND message literal as it arrives (ARCHITECTURE.md §4.6: never an unbounded buffer):
 * written to a temporary file through {@link AsyncFile}, never blocking the event loop, the way SMTP
 * spools DATA. The connection pauses the socket while {@link #writeQueueFull()} and resumes on the
 * drain handler. Once the literal is whole, the BlobStore reads the file on its own threads; the
 * file is deleted afterwards whatever happened ({@link #discard}).
 *
 * <p>Not piped straight into {@code BlobStore.put}: that reads on the store's few threads, and a
 * slow client would hold one of them for as long as it takes to send the message.
 */
final class AppendLiteral {

    /** Octets queued for the file before the socket is paused. */
    private static final int FILE_QUEUE = 512 * 1024;

    private final Vertx vertx;
    private final long size;
    private final Future<AsyncFile> opening;
    private AsyncFile file;
    private String path;
    private Buffer pending = Buffer.buffer();
    private Throwable failure;
    private Handler<Void> drainHandler;
    private long received;
    private Future<Void> finished;
    private boolean discarded;

    AppendLiteral(Vertx vertx, long size) {
        this.vertx = vertx;
        this.size = size;
        this.opening = vertx.fileSystem().createTempFile("yubin-imap-", ".eml").compose(p -> {
            path = p;
            return vertx.fileSystem().open(p, new OpenOptions().setWrite(true).setCreate(false));
        }).andThen(ar -> {
            if (ar.failed()) {
                failure = ar.cause();
                pending = Buffer.buffer();
                fireDrain();
                return;
            }
            file = ar.result();
            if (discarded) {
                return;
            }
            file.setWriteQueueMaxSize(FILE_QUEUE);
            file.exceptionHandler(t -> failure = t);
            flush();
            if (!file.writeQueueFull()) {
                fireDrain();
            } else if (drainHandler != null) {
                file.drainHandler(v -> fireDrain());
            }
        });
    }

    /** The size the client announced. */
    long size() {
        return size;
    }

    void write(byte[] octets, int offset, int length) {
        received += length;
        if (failure != null || discarded) {
            return;
        }
        pending.appendBytes(octets, offset, length);
        if (file != null) {
            flush();
        }
    }

    boolean writeQueueFull() {
        return failure == null && !discarded && (file == null ? pending.length() >= FILE_QUEUE : file.writeQueueFull());
    }

    /** Called once when the write queue is no longer full (or writing has failed). */
    void drainHandler(Handler<Void> handler) {
        this.drainHandler = handler;
        if (file != null) {
            file.drainHandler(v -> fireDrain());
        }
    }

    /** Completes when every octet is in the file; fails when writing failed or octets are missing. */
    Future<Void> finish() {
        if (finished == null) {
            finished = opening.compose(f -> {
                flush();
                return f.close();
            }).compose(v -> {
                if (failure != null) {
                    return Future.failedFuture(failure);
                }
                if (received != size) {
                    return Future.failedFuture(new IOException("literal has " + received + " of " + size + " octets"));
                }
                return Future.succeededFuture();
            });
        }
        return finished;
    }

    /** The literal's octets; the file is opened by the thread that first reads it (the store's). */
    InputStream inputStream() {
        return new InputStream() {
            private InputStream in;

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
        };
    }

    /** Deletes the temporary file; safe to call more than once and before the literal is whole. */
    Future<Void> discard() {
        if (discarded) {
            return Future.succeededFuture();
        }
        discarded = true;
        pending = Buffer.buffer();
        Future<Void> closed = finished != null ? finished.transform(ar -> Future.<Void>succeededFuture())
                : opening.transform(ar -> ar.succeeded() ? ar.result().close().transform(c -> Future.<Void>succeededFuture())
                        : Future.<Void>succeededFuture());
        return closed.compose(v -> path == null ? Future.<Void>succeededFuture() : vertx.fileSystem().delete(path));
    }

    private void flush() {
        if (pending.length() > 0 && failure == null) {
            Buffer chunk = pending;
            pending = Buffer.buffer();
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
}
