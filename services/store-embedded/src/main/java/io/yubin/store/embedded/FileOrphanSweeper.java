package io.yubin.store.embedded;

import io.yubin.model.Ids;
import io.yubin.store.BlobId;
import io.yubin.store.BlobReferences;
import io.yubin.store.OrphanSweeper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@link OrphanSweeper} of a {@link FileBlobStore}: a process killed after a body's file was
 * renamed into place and before the spool entry (or the appended message) that refers to it was
 * committed leaves a file that no reference count knows; likewise a small body written to
 * {@code inline_blobs} by {@code put} (an IMAP APPEND) whose message was never committed. Age is a
 * file's modification time, an inline body's the time in its id. Bodies whose last reference was
 * dropped are the collector's: they are listed in {@code unreferenced_blobs} and left alone here.
 */
public final class FileOrphanSweeper extends OrphanSweeper {

    private final FileBlobStore blobs;

    public FileOrphanSweeper(FileBlobStore blobs, BlobReferences references) {
        this(blobs, references, DEFAULT_GRACE, Clock.systemUTC());
    }

    public FileOrphanSweeper(FileBlobStore blobs, BlobReferences references, Duration grace, Clock clock) {
        super(references, grace, clock);
        this.blobs = blobs;
    }

    /** One pass over every body file, then over the inline bodies. */
    @Override
    protected CompletionStage<Sweep> sweep(Instant cutoff) {
        return blobs.run(() -> sweepFiles(cutoff)).thenCompose(files -> sweepInline(cutoff).thenApply(files::plus));
    }

    /** Runs on the store's I/O thread; walks {@code root/XX/YY/<id>} one shard directory at a time. */
    private Sweep sweepFiles(Instant cutoff) throws IOException {
        int examined = 0;
        int deleted = 0;
        for (Path first : directories(blobs.root())) {
            for (Path second : directories(first)) {
                for (Path file : entries(second)) {
                    String name = file.getFileName().toString();
                    if (!Files.isRegularFile(file) || !isBlobId(name)) {
                        continue;
                    }
                    examined++;
                    if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff) && orphan(new BlobId(name))) {
                        blobs.deleteFile(new BlobId(name));
                        deleted++;
                    }
                }
            }
        }
        return new Sweep(examined, deleted);
    }

    private CompletionStage<Sweep> sweepInline(Instant cutoff) {
        SqliteDatabase db = blobs.inlineDatabase();
        if (db == null) {
            return CompletableFuture.completedFuture(new Sweep(0, 0));
        }
        return db.read(c -> Sql.list(c, "SELECT blob_id FROM inline_blobs", rs -> rs.getString(1))).thenCompose(ids -> {
            CompletionStage<Integer> chain = CompletableFuture.completedFuture(0);
            for (String id : ids) {
                OptionalLong made = Ids.epochMillis(id.substring(1));
                if (made.isEmpty() || !Instant.ofEpochMilli(made.getAsLong()).isBefore(cutoff)) {
                    continue;
                }
                BlobId blob = new BlobId(id);
                chain = chain.thenCompose(n -> isOrphan(blob).thenCompose(orphan -> orphan
                        ? blobs.delete(blob).thenApply(v -> n + 1)
                        : CompletableFuture.completedFuture(n)));
            }
            return chain.thenApply(deleted -> new Sweep(ids.size(), deleted));
        });
    }

    /** Blocking, for the I/O thread: unreferenced and not already the collector's. */
    private boolean orphan(BlobId id) {
        return isOrphan(id).toCompletableFuture().join();
    }

    private CompletionStage<Boolean> isOrphan(BlobId id) {
        return references.isReferenced(id).thenCompose(referenced -> referenced
                ? CompletableFuture.completedFuture(false)
                : collectorsAlready(id).thenApply(listed -> !listed));
    }

    /** A blob whose last reference was dropped waits in {@code unreferenced_blobs} for the collector. */
    private CompletionStage<Boolean> collectorsAlready(BlobId id) {
        SqliteDatabase db = blobs.inlineDatabase();
        if (db == null) {
            // bodies in files with metadata elsewhere (Cassandra): deleting twice is harmless
            return CompletableFuture.completedFuture(false);
        }
        return db.read(c -> Sql.exists(c, "SELECT 1 FROM unreferenced_blobs WHERE blob_id = ?", id.value()));
    }

    /** The names {@link FileBlobStore} gives body files: ids of {@link Ids#timeOrdered()}. */
    private static boolean isBlobId(String name) {
        return name.length() == 26 && Ids.epochMillis(name).isPresent()
                && name.chars().allMatch(ch -> ch < 0x80 && Character.isLetterOrDigit(ch));
    }

    /** The two-character shard directories under {@code dir} ({@code tmp} is not one). */
    private static List<Path> directories(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : entries(dir)) {
            if (p.getFileName().toString().length() == 2 && Files.isDirectory(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<Path> entries(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(out::add);
        }
        return out;
    }
}
