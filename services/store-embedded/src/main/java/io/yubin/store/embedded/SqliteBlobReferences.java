package io.yubin.store.embedded;

import io.yubin.store.BlobId;
import io.yubin.store.BlobReferences;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** {@link BlobReferences} over the counts kept by {@link BlobRefCounts}. */
final class SqliteBlobReferences implements BlobReferences {

    private final SqliteDatabase db;

    SqliteBlobReferences(SqliteDatabase db) {
        this.db = db;
    }

    @Override
    public CompletionStage<List<BlobId>> unreferenced(int limit) {
        return db.read(c -> Sql.list(c, "SELECT blob_id FROM unreferenced_blobs ORDER BY since, blob_id LIMIT ?",
                rs -> new BlobId(rs.getString(1)), Math.max(0, limit)));
    }

    @Override
    public CompletionStage<Void> forget(List<BlobId> deleted) {
        List<BlobId> ids = List.copyOf(deleted);
        return db.write(c -> {
            for (BlobId id : ids) {
                Sql.update(c, "DELETE FROM unreferenced_blobs WHERE blob_id = ?", id.value());
                Sql.update(c, "DELETE FROM blob_structure WHERE blob_id = ?", id.value());
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Boolean> isReferenced(BlobId id) {
        return db.read(c -> Sql.exists(c, "SELECT 1 FROM blob_refs WHERE blob_id = ?", id.value()));
    }
}
