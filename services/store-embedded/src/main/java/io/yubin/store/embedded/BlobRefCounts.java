package io.yubin.store.embedded;

import io.yubin.store.BlobId;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Reference counting inside the caller's write transaction (docs/architecture.md §4.4): a count reaching
 * zero lists the blob as unreferenced in the same transaction, so no reference change is lost.
 */
final class BlobRefCounts {

    private BlobRefCounts() {
    }

    static void increment(Connection c, BlobId blob, int by) throws SQLException {
        Sql.update(c, "INSERT INTO blob_refs(blob_id, refs) VALUES (?, ?) "
                + "ON CONFLICT(blob_id) DO UPDATE SET refs = refs + excluded.refs", blob.value(), by);
        Sql.update(c, "DELETE FROM unreferenced_blobs WHERE blob_id = ?", blob.value());
    }

    static void decrement(Connection c, BlobId blob) throws SQLException {
        decrement(c, blob.value());
    }

    static void decrement(Connection c, String blobId) throws SQLException {
        long refs = Sql.longValue(c, "SELECT refs FROM blob_refs WHERE blob_id = ?", blobId);
        if (refs > 1) {
            Sql.update(c, "UPDATE blob_refs SET refs = refs - 1 WHERE blob_id = ?", blobId);
        } else {
            Sql.update(c, "DELETE FROM blob_refs WHERE blob_id = ?", blobId);
            Sql.update(c, "INSERT OR IGNORE INTO unreferenced_blobs(blob_id, since) VALUES (?, ?)", blobId,
                    System.currentTimeMillis());
        }
    }
}
