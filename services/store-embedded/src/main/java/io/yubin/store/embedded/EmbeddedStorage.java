package io.yubin.store.embedded;

import io.yubin.store.BlobStore;
import io.yubin.store.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded default backend (docs/architecture.md §2): SQLite metadata in {@code <dataDir>/yubin.db}
 * and message bodies under {@code <dataDir>/blobs}, or in another {@link BlobStore} (e.g. S3) given
 * to {@link #open(Path, Options, BlobStore)}.
 */
public final class EmbeddedStorage {

    /**
     * @param readers read-only SQLite connections
     * @param blobThreads threads doing blob file I/O
     * @param busyTimeoutMillis SQLite busy timeout
     * @param maxInlineBody bodies up to this many octets are kept in the database rather than in
     *        files of their own (only when bodies are files); 0 keeps every body in a file
     */
    public record Options(int readers, int blobThreads, int busyTimeoutMillis, int maxInlineBody) {
        public static final Options DEFAULT = new Options(4, 4, 10_000, 64 * 1024);

        public Options {
            if (readers < 1 || blobThreads < 1 || busyTimeoutMillis < 0) {
                throw new IllegalArgumentException("readers and blobThreads must be positive");
            }
            if (maxInlineBody < 0 || maxInlineBody > 1024 * 1024) {
                throw new IllegalArgumentException("maxInlineBody must be 0..1048576");
            }
        }
    }

    static final String DATABASE_FILE = "yubin.db";
    static final String BLOB_DIRECTORY = "blobs";

    private EmbeddedStorage() {
    }

    public static Storage open(Path dataDir) {
        return open(dataDir, Options.DEFAULT);
    }

    public static Storage open(Path dataDir, Options options) {
        createDirectories(dataDir);
        SqliteDatabase db = SqliteDatabase.open(dataDir.resolve(DATABASE_FILE), options.readers(),
                options.busyTimeoutMillis());
        FileBlobStore blobs;
        try {
            blobs = FileBlobStore.open(dataDir.resolve(BLOB_DIRECTORY), options.blobThreads(),
                    options.maxInlineBody() > 0 ? db : null, options.maxInlineBody());
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        return storage(db, blobs, blobs);
    }

    /** SQLite metadata under {@code dataDir} with bodies in {@code blobs}; see {@link #open(Path, Options, BlobStore)}. */
    public static Storage open(Path dataDir, BlobStore blobs) {
        return open(dataDir, Options.DEFAULT, blobs);
    }

    /**
     * SQLite metadata under {@code dataDir} with bodies in {@code blobs} (a mixed deployment, e.g.
     * SQLite + S3). The Storage takes ownership of {@code blobs}: closing it closes {@code blobs} too
     * when that is {@link AutoCloseable}, also when opening the database fails.
     * {@link Options#blobThreads()} is not used.
     */
    public static Storage open(Path dataDir, Options options, BlobStore blobs) {
        AutoCloseable closeBlobs = blobs instanceof AutoCloseable c ? c : () -> { };
        try {
            createDirectories(dataDir);
        } catch (RuntimeException e) {
            closeQuietly(closeBlobs, e);
            throw e;
        }
        return open(dataDir, options, blobs, closeBlobs);
    }

    private static Storage open(Path dataDir, Options options, BlobStore blobs, AutoCloseable closeBlobs) {
        SqliteDatabase db;
        try {
            db = SqliteDatabase.open(dataDir.resolve(DATABASE_FILE), options.readers(), options.busyTimeoutMillis());
        } catch (RuntimeException e) {
            closeQuietly(closeBlobs, e);
            throw e;
        }
        return storage(db, blobs, closeBlobs);
    }

    private static Storage storage(SqliteDatabase db, BlobStore blobs, AutoCloseable closeBlobs) {
        // Blobs close first: the file store may still be finishing writes into the database.
        AutoCloseable closer = () -> {
            try {
                closeBlobs.close();
            } finally {
                db.close();
            }
        };
        return new Storage(new SqliteDirectory(db), new SqliteMailboxStore(db),
                new SqliteSpool(db, blobs instanceof FileBlobStore files ? files : null),
                new SqliteBlobReferences(db), blobs, new SqliteSpamModels(db), new SqliteAccountLocks(db),
                new SqliteAdministrators(db), closer);
    }

    private static void createDirectories(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw io.yubin.store.StoreException.unavailable("cannot create " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Closes after a failed open; a failure to close is attached to the original failure. */
    private static void closeQuietly(AutoCloseable closeable, RuntimeException failure) {
        try {
            closeable.close();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    /** {@code PRAGMA integrity_check} on the database of {@code dataDir}: {@code [ok]} when sound. */
    static List<String> integrityCheck(Path dataDir) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(DATABASE_FILE).toAbsolutePath());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
