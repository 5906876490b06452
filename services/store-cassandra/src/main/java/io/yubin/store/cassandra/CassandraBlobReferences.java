package io.yubin.store.cassandra;

import com.datastax.oss.driver.api.core.cql.BoundStatement;
import io.yubin.store.BlobId;
import io.yubin.store.BlobReferences;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * References to bodies as rows ({@code blob_refs}): a message or spool entry adds its row before it
 * becomes visible and removes it after it is gone, so a crash in between leaves an extra reference
 * (a body kept too long), never a missing one (a body deleted while in use). Losing a reference also
 * lists the body in {@code blob_gc}; {@link #unreferenced} returns those whose {@code blob_refs}
 * partition is empty.
 */
final class CassandraBlobReferences implements BlobReferences {

    static final int SHARDS = 16;

    private final Cql cql;

    CassandraBlobReferences(Cql cql) {
        this.cql = cql;
    }

    static String messageRef(String mailboxId, long uid) {
        return "m/" + mailboxId + "/" + uid;
    }

    static String spoolRef(String spoolId) {
        return "s/" + spoolId;
    }

    CompletionStage<Void> add(BlobId blob, String ref) {
        return cql.run("INSERT INTO blob_refs (blob_id, ref) VALUES (?, ?)", blob.value(), ref);
    }

    /** {@link #add} as a statement, for the caller's batch. */
    CompletionStage<BoundStatement> bindAdd(BlobId blob, String ref) {
        return cql.bind("INSERT INTO blob_refs (blob_id, ref) VALUES (?, ?)", blob.value(), ref);
    }

    /** {@link #remove} as statements, for the caller's logged batch. */
    List<CompletionStage<BoundStatement>> bindRemove(BlobId blob, String ref) {
        return List.of(cql.bind("DELETE FROM blob_refs WHERE blob_id = ? AND ref = ?", blob.value(), ref),
                cql.bind("INSERT INTO blob_gc (shard, blob_id) VALUES (?, ?)", shard(blob), blob.value()));
    }

    /** Removes one reference and lists the body for the collector. */
    CompletionStage<Void> remove(BlobId blob, String ref) {
        return cql.run("DELETE FROM blob_refs WHERE blob_id = ? AND ref = ?", blob.value(), ref)
                .thenCompose(v -> cql.run("INSERT INTO blob_gc (shard, blob_id) VALUES (?, ?)", shard(blob),
                        blob.value()));
    }

    @Override
    public CompletionStage<List<BlobId>> unreferenced(int limit) {
        if (limit <= 0) {
            return CompletableFuture.completedFuture(List.of());
        }
        return nextShard(0, limit, new ArrayList<>());
    }

    private CompletionStage<List<BlobId>> nextShard(int shard, int limit, List<BlobId> out) {
        if (shard == SHARDS || out.size() >= limit) {
            return CompletableFuture.completedFuture(out);
        }
        // Candidates found referenced are dropped with a write time from before the check, so that a
        // reference lost again meanwhile (a newer candidate row) survives the drop.
        long checkedAt = micros();
        return cql.all("SELECT blob_id FROM blob_gc WHERE shard = ? LIMIT ?", r -> new BlobId(r.getString(0)), shard,
                Math.max(limit, 100))
                .thenCompose(candidates -> Cql.all(candidates.stream().map(id -> isReferenced(id)
                        .thenCompose(referenced -> referenced
                                ? cql.run("DELETE FROM blob_gc USING TIMESTAMP ? WHERE shard = ? AND blob_id = ?",
                                        checkedAt, shard, id.value()).thenApply(v -> (BlobId) null)
                                : CompletableFuture.completedFuture(id))).toList()))
                .thenCompose(checked -> {
                    for (BlobId id : checked) {
                        if (id != null && out.size() < limit) {
                            out.add(id);
                        }
                    }
                    return nextShard(shard + 1, limit, out);
                });
    }

    @Override
    public CompletionStage<Void> forget(List<BlobId> deleted) {
        List<CompletionStage<?>> work = new ArrayList<>();
        for (BlobId id : deleted) {
            work.add(cql.run("DELETE FROM blob_gc WHERE shard = ? AND blob_id = ?", shard(id), id.value()));
            work.add(cql.run("DELETE FROM blob_structure WHERE blob_id = ?", id.value()));
        }
        return cql.parallel(work);
    }

    @Override
    public CompletionStage<Boolean> isReferenced(BlobId id) {
        return cql.one("SELECT ref FROM blob_refs WHERE blob_id = ? LIMIT 1", id.value())
                .thenApply(java.util.Optional::isPresent);
    }

    private static int shard(BlobId id) {
        return Math.floorMod(id.value().hashCode(), SHARDS);
    }

    private static long micros() {
        return System.currentTimeMillis() * 1000;
    }
}
