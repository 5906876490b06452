package io.yubin.store.embedded;

import io.yubin.model.Ids;
import io.yubin.store.BlobId;
import io.yubin.store.BlobStore;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Message bodies as files (docs/architecture.md §2): written to a temp file while hashing, forced to
 * disk, atomically renamed to {@code blobs/XX/YY/<id>}, then the directory is forced so the rename
 * itself is durable. All file I/O runs on this store's own executor.
 */
public final class FileBlobStore implements BlobStore, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileBlobStore.class);
    private static final int BUFFER = 64 * 1024;

    /**
     * Ids of bodies kept in the database start with this letter, which {@link Ids#timeOrdered()}
     * never produces (its alphabet is upper-case), so a lookup needs no probing.
     */
    private static final char INLINE_MARK = 'i';

    private final Path root;
    private final Path tmp;
    private final ExecutorService io;
    private final SqliteDatabase inline;
    private final int maxInline;

    private FileBlobStore(Path root, int threads, SqliteDatabase inline, int maxInline) {
        this.root = root;
        this.tmp = root.resolve("tmp");
        this.io = Executors.newFixedThreadPool(threads, SqliteDatabase.named("yubin-blob-io", false));
        this.inline = inline;
        this.maxInline = inline == null ? -1 : maxInline;
    }

    /** Opens the store under {@code root}, removing temp files a crash left behind. */
    public static FileBlobStore open(Path root, int threads) {
        return open(root, threads, null, 0);
    }

    /**
     * Like {@link #open(Path, int)}, but bodies of at most {@code maxInline} octets go into
     * {@code inline}'s database instead of a file of their own. Under SMTP load the two fsyncs a
     * file costs (the file and its directory) took more CPU than anything else; a small body in the
     * database shares the group commit's single fsync with every other write of the batch.
     */
    static FileBlobStore open(Path root, int threads, SqliteDatabase inline, int maxInline) {
        FileBlobStore store = new FileBlobStore(root, threads, inline, maxInline);
        try {
            Files.createDirectories(store.tmp);
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(store.tmp)) {
                for (Path p : leftovers) {
                    LOG.info("removing unfinished blob write {}", p.getFileName());
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            store.close();
            throw StoreException.unavailable("cannot open blob directory " + root + ": " + e.getMessage(), e);
        }
        return store;
    }

    @Override
    public CompletionStage<StoredBlob> put(InputStream content) {
        if (maxInline < 0) {
            return putFile(new byte[0], content);
        }
        return readHead(content).thenCompose(prefix -> {
            if (prefix.length <= maxInline) {
                byte[] body = prefix;
                StoredBlob blob = inlineBlob(body);
                return inline.write(c -> {
                    insertInline(c, blob, body);
                    return blob;
                });
            }
            return putFile(prefix, content);
        });
    }

    /** True when bodies of at most {@link #maxInline} octets go into {@code db}. */
    boolean inlinesInto(SqliteDatabase db) {
        return maxInline >= 0 && inline == db;
    }

    int maxInline() {
        return maxInline;
    }

    /**
     * Reads up to one octet past the inline limit: a body that ended by then goes to the database
     * (and {@code content} is closed); a longer one is written to a file starting with what was read.
     */
    CompletableFuture<byte[]> readHead(InputStream content) {
        return run(() -> {
            try {
                byte[] head = content.readNBytes(maxInline + 1);
                if (head.length <= maxInline) {
                    closeQuietly(content);
                }
                return head;
            } catch (IOException | RuntimeException e) {
                closeQuietly(content);
                throw e;
            }
        });
    }

    /** The blob an inline body becomes; nothing is written yet (see {@link #insertInline}). */
    static StoredBlob inlineBlob(byte[] body) {
        String id = INLINE_MARK + Ids.timeOrdered();
        return new StoredBlob(new BlobId(id), body.length, HexFormat.of().formatHex(sha256().digest(body)));
    }

    /** Writes an inline body inside the caller's database write. */
    static void insertInline(Connection c, StoredBlob blob, byte[] body) throws SQLException {
        Sql.update(c, "INSERT INTO inline_blobs(blob_id, data) VALUES (?, ?)", blob.id().value(), body);
    }

    /** Writes {@code prefix} and then the rest of {@code content} (closing it) to a new file. */
    CompletableFuture<StoredBlob> putFile(byte[] prefix, InputStream content) {
        return run(() -> {
            try (InputStream in = content) {
                return write(in, prefix);
            }
        });
    }

    private static boolean isInline(BlobId id) {
        return id.value().charAt(0) == INLINE_MARK;
    }

    private CompletableFuture<byte[]> inlineBody(BlobId id) {
        return inline.read(c -> Sql.one(c, "SELECT data FROM inline_blobs WHERE blob_id = ?", rs -> rs.getBytes(1),
                id.value()).orElseThrow(() -> StoreException.notFound("blob", "no blob " + id)));
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            LOG.debug("closing a body stream: {}", e.getMessage());
        }
    }

    private StoredBlob write(InputStream in, byte[] prefix) throws IOException {
        String id = Ids.timeOrdered();
        MessageDigest sha256 = sha256();
        Path temp = Files.createTempFile(tmp, id, ".tmp");
        long size = 0;
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                sha256.update(prefix);
                ByteBuffer head = ByteBuffer.wrap(prefix);
                while (head.hasRemaining()) {
                    out.write(head);
                }
                size += prefix.length;
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    sha256.update(buffer, 0, n);
                    ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                    while (bb.hasRemaining()) {
                        out.write(bb);
                    }
                    size += n;
                }
                out.force(true);
            }
            Path target = path(new BlobId(id));
            Path dir = target.getParent();
            boolean created = !Files.isDirectory(dir);
            Files.createDirectories(dir);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(dir);
            if (created) {
                forceDirectory(dir.getParent());
                forceDirectory(root);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return new StoredBlob(new BlobId(id), size, HexFormat.of().formatHex(sha256.digest()));
    }

    @Override
    public CompletionStage<InputStream> get(BlobId id) {
        if (isInline(id)) {
            return inlineBody(id).thenApply(ByteArrayInputStream::new);
        }
        return run(() -> Files.newInputStream(existing(id)));
    }

    @Override
    public CompletionStage<InputStream> get(BlobId id, long offset, long length) {
        if (offset < 0 || length < 0) {
            return CompletableFuture.failedFuture(StoreException.invalid("range", "negative offset or length"));
        }
        if (isInline(id)) {
            return inlineBody(id).thenApply(body -> {
                int from = (int) Math.min(offset, body.length);
                return new ByteArrayInputStream(body, from, (int) Math.min(length, body.length - from));
            });
        }
        return run(() -> {
            FileChannel channel = FileChannel.open(existing(id), StandardOpenOption.READ);
            try {
                long available = Math.max(0, channel.size() - offset);
                channel.position(Math.min(offset, channel.size()));
                return new BoundedInputStream(Channels.newInputStream(channel), Math.min(length, available));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        });
    }

    @Override
    public CompletionStage<Boolean> exists(BlobId id) {
        if (isInline(id)) {
            return inline == null ? CompletableFuture.completedFuture(false)
                    : inline.read(c -> Sql.exists(c, "SELECT 1 FROM inline_blobs WHERE blob_id = ?", id.value()));
        }
        return run(() -> Files.isRegularFile(path(id)));
    }

    @Override
    public CompletionStage<Void> delete(BlobId id) {
        if (isInline(id)) {
            return inline == null ? CompletableFuture.completedFuture(null) : inline.write(c -> {
                Sql.update(c, "DELETE FROM inline_blobs WHERE blob_id = ?", id.value());
                return null;
            });
        }
        return run(() -> {
            deleteFile(id);
            return null;
        });
    }

    /** Deletes a body file and makes that durable; blocking, for this store's I/O threads. */
    void deleteFile(BlobId id) throws IOException {
        Path p = path(id);
        if (Files.deleteIfExists(p)) {
            forceDirectory(p.getParent());
        }
    }

    Path root() {
        return root;
    }

    /** The database small bodies are kept in, or null when every body is a file. */
    SqliteDatabase inlineDatabase() {
        return maxInline < 0 ? null : inline;
    }

    /** Shards on the id's last characters, which are random (the first ones are a timestamp). */
    Path path(BlobId id) {
        String v = id.value();
        String padded = v.length() >= 4 ? v : "0000".substring(v.length()) + v;
        int n = padded.length();
        return root.resolve(padded.substring(n - 2, n)).resolve(padded.substring(n - 4, n - 2)).resolve(v);
    }

    private Path existing(BlobId id) throws IOException {
        Path p = path(id);
        if (!Files.isRegularFile(p)) {
            throw new NoSuchFileException(p.toString());
        }
        return p;
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    @FunctionalInterface
    interface IoWork<T> {
        T run() throws IOException;
    }

    /** Runs {@code work} on this store's I/O threads, mapping I/O failures as every operation does. */
    <T> CompletableFuture<T> run(IoWork<T> work) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            io.execute(() -> {
                try {
                    future.complete(work.run());
                } catch (NoSuchFileException e) {
                    future.completeExceptionally(StoreException.notFound("blob", "no blob " + e.getFile()));
                } catch (IOException | UncheckedIOException e) {
                    future.completeExceptionally(StoreException.isFullDiskMessage(e.getMessage())
                            ? StoreException.full("blob I/O failed, the disk is full: " + e.getMessage(), e)
                            : StoreException.unavailable("blob I/O failed: " + e.getMessage(), e));
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            future.completeExceptionally(StoreException.unavailable("blob store is closed", e));
        }
        return future;
    }

    @Override
    public void close() {
        io.shutdown();
        try {
            if (!io.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("blob writes still running at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads at most {@code remaining} octets of the underlying stream. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            this.in = in;
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), remaining);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
