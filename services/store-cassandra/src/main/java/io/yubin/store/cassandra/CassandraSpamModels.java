package io.yubin.store.cassandra;

import io.yubin.store.SpamModels;
import io.yubin.store.StoreException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SpamModels} in the tables of migrations V5 and V10. A model's version is written with
 * lightweight transactions (Paxos), so two members training one model at once never both win.
 *
 * <p>A model of up to {@link #INLINE_MAX} octets is kept in the version's row, as before V10, where the
 * code before V10 reads it too (a cluster being upgraded member by member keeps working). A larger one
 * is kept in a <em>generation</em>: chunks of {@link #CHUNK} octets in a partition of their own,
 * written whole by one writer before its compare-and-set makes the version point to them. One CQL
 * message, like one mutation, holds at most 16 MiB by default (Cassandra's
 * {@code native_transport_max_message_size} and half the commit log segment), and a model grows past
 * that once it has learned some 4,000 messages; no chunk comes near it. The writer that lost the race
 * deletes its generation; the one that won deletes the generation it replaced. A reader that finds a
 * chunk missing read a generation being replaced, and reads again from the version. A writer that died
 * between its chunks and its compare-and-set leaves a row in {@code spam_model_writes}; a later
 * training of that owner deletes its chunks. Bytes in the row win over a generation it names: a member
 * of the version before V10 writes them and the version, and leaves the generation as it was.
 */
final class CassandraSpamModels implements SpamModels {

    /** The octets of one chunk (the last one may be shorter). */
    static final int CHUNK = 1024 * 1024;
    /** The largest model kept in the version's row. */
    static final int INLINE_MAX = 8 * 1024 * 1024;
    /** Reads of a model again after its generation was replaced under them. */
    private static final int READ_ATTEMPTS = 5;
    /** A generation still unused after this long was left by a writer that died. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(CassandraSpamModels.class);

    private final Cql cql;
    private final Clock clock;
    private final int inlineMax;

    CassandraSpamModels(Cql cql) {
        this(cql, Clock.systemUTC(), INLINE_MAX);
    }

    /** With models of more than {@code inlineMax} octets in chunks. */
    CassandraSpamModels(Cql cql, Clock clock, int inlineMax) {
        this.cql = cql;
        this.clock = clock;
        this.inlineMax = inlineMax;
    }

    /** What the version's row says: the version, and where its bytes are. */
    private record Head(long version, UUID generation, int chunks, ByteBuffer inline) {
    }

    private CompletionStage<Optional<Head>> head(String owner) {
        return cql.one("SELECT version, generation, chunks, model FROM spam_models WHERE owner = ?", owner)
                .thenApply(row -> row.map(r -> new Head(r.getLong("version"), r.getUuid("generation"),
                        r.getInt("chunks"), r.getByteBuffer("model"))));
    }

    @Override
    public CompletionStage<Optional<Model>> load(String owner) {
        return load(owner, 1);
    }

    private CompletionStage<Optional<Model>> load(String owner, int attempt) {
        return head(owner).thenCompose(found -> {
            if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<Model>empty());
            }
            Head head = found.get();
            if (head.inline() != null || head.generation() == null) {
                // A small model, or one a member of the version before V10 wrote: the bytes are in the row.
                return CompletableFuture.completedFuture(Optional.of(new Model(bytes(head.inline()), head.version())));
            }
            return readChunks(owner, head).thenCompose(bytes -> {
                if (bytes.isPresent()) {
                    return CompletableFuture.completedFuture(Optional.of(new Model(bytes.get(), head.version())));
                }
                if (attempt >= READ_ATTEMPTS) {
                    return CompletableFuture.failedFuture(StoreException.unavailable("the spam model of " + owner
                            + " was replaced while it was read, " + attempt + " times", null));
                }
                return load(owner, attempt + 1);
            });
        });
    }

    /** The generation's bytes; empty when a chunk is missing (the generation was replaced meanwhile). */
    private CompletionStage<Optional<byte[]>> readChunks(String owner, Head head) {
        return Cql.bounded(indexes(head.chunks()), i -> cql.one("SELECT data FROM spam_model_chunks WHERE owner = ? AND "
                + "generation = ? AND chunk = ?", owner, head.generation(), i)
                .thenApply(row -> row.map(r -> r.getByteBuffer("data")).orElse(null)))
                .thenApply(chunks -> {
                    int size = 0;
                    for (ByteBuffer chunk : chunks) {
                        if (chunk == null) {
                            return Optional.empty();
                        }
                        size += chunk.remaining();
                    }
                    byte[] out = new byte[size];
                    int at = 0;
                    for (ByteBuffer chunk : chunks) {
                        int n = chunk.remaining();
                        chunk.duplicate().get(out, at, n);
                        at += n;
                    }
                    return Optional.of(out);
                });
    }

    @Override
    public CompletionStage<Boolean> save(String owner, byte[] bytes, long expected) {
        return head(owner).thenCompose(found -> {
            long stored = found.map(Head::version).orElse(0L);
            if (stored != expected) {
                return CompletableFuture.completedFuture(false);
            }
            // The version moves only from the generation this writer read, so the one it replaces is known.
            UUID replaced = found.map(Head::generation).orElse(null);
            if (bytes.length <= inlineMax) {
                ByteBuffer model = ByteBuffer.wrap(bytes.clone());
                CompletionStage<Boolean> won = expected == 0
                        ? cql.applied("INSERT INTO spam_models (owner, version, model) VALUES (?, 1, ?) IF NOT EXISTS",
                                owner, model)
                        : cql.applied("UPDATE spam_models SET model = ?, version = ?, generation = null, chunks = null "
                                + "WHERE owner = ? IF version = ? AND generation = ?", model, expected + 1, owner, expected,
                                replaced);
                return won.thenCompose(kept -> kept ? tidy(owner, finish(owner, null, replaced)).thenApply(v -> true)
                        : CompletableFuture.completedFuture(false));
            }
            return saveChunks(owner, bytes, expected, replaced);
        });
    }

    private CompletionStage<Boolean> saveChunks(String owner, byte[] bytes, long expected, UUID replaced) {
        UUID generation = UUID.randomUUID();
        int chunks = (bytes.length + CHUNK - 1) / CHUNK;
        return cql.run("INSERT INTO spam_model_writes (owner, generation, started) VALUES (?, ?, ?)", owner,
                        generation, clock.millis())
                .thenCompose(v -> Cql.bounded(indexes(chunks), i -> cql.run("INSERT INTO spam_model_chunks (owner, "
                        + "generation, chunk, data) VALUES (?, ?, ?, ?)", owner, generation, i, ByteBuffer.wrap(bytes,
                        i * CHUNK, Math.min(CHUNK, bytes.length - i * CHUNK)))))
                .thenCompose(v -> expected == 0
                        ? cql.applied("INSERT INTO spam_models (owner, version, generation, chunks) VALUES "
                                + "(?, 1, ?, ?) IF NOT EXISTS", owner, generation, chunks)
                        : cql.applied("UPDATE spam_models SET version = ?, generation = ?, chunks = ?, model = null "
                                + "WHERE owner = ? IF version = ? AND generation = ?", expected + 1, generation,
                                chunks, owner, expected, replaced))
                .handle((won, failure) -> {
                    boolean kept = failure == null && won;
                    // A failed compare-and-set may still have been applied (a timeout): keep the chunks
                    // then, and leave the row in spam_model_writes for a later training to judge.
                    CompletionStage<Void> after = kept ? finish(owner, generation, replaced)
                            : failure == null ? drop(owner, generation) : CompletableFuture.completedFuture(null);
                    return tidy(owner, after).thenApply(t -> {
                        if (failure != null) {
                            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                        }
                        return kept;
                    });
                })
                .thenCompose(stage -> stage);
    }

    /** Waits for the clearing up of unused generations; a failure there is logged, not passed on. */
    private static CompletionStage<Void> tidy(String owner, CompletionStage<Void> clearing) {
        return clearing.exceptionally(failure -> {
            LOG.warn("could not remove an unused generation of the spam model of {}", owner, failure);
            return null;
        });
    }

    /**
     * After a win: the replaced generation goes, this writer's record of its own ({@code generation}; null
     * for a model kept in the row), and the generations of writers that died before their compare-and-set.
     */
    private CompletionStage<Void> finish(String owner, UUID generation, UUID replaced) {
        CompletionStage<Void> old = replaced == null ? CompletableFuture.completedFuture(null)
                : cql.run("DELETE FROM spam_model_chunks WHERE owner = ? AND generation = ?", owner, replaced);
        long abandoned = clock.millis() - ABANDONED_AFTER.toMillis();
        return old.thenCompose(v -> generation == null ? CompletableFuture.<Void>completedFuture(null)
                        : cql.run("DELETE FROM spam_model_writes WHERE owner = ? AND generation = ?", owner, generation))
                .thenCompose(v -> cql.all("SELECT generation, started FROM spam_model_writes WHERE owner = ?", owner))
                .thenCompose(rows -> cql.parallel(rows.stream()
                        .filter(r -> r.getLong("started") < abandoned)
                        .map(r -> drop(owner, r.getUuid("generation")))
                        .toList()));
    }

    /** A generation no version points to: its chunks, then the record of its writing. */
    private CompletionStage<Void> drop(String owner, UUID generation) {
        return cql.run("DELETE FROM spam_model_chunks WHERE owner = ? AND generation = ?", owner, generation)
                .thenCompose(v -> cql.run("DELETE FROM spam_model_writes WHERE owner = ? AND generation = ?", owner,
                        generation));
    }

    private static List<Integer> indexes(int count) {
        return java.util.stream.IntStream.range(0, count).boxed().toList();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer == null ? 0 : buffer.remaining()];
        if (buffer != null) {
            buffer.duplicate().get(bytes);
        }
        return bytes;
    }

    /** The partitions of one owner's training record ({@code spam_trained_buckets}). */
    static final int TRAINED_BUCKETS = 64;

    /** The partition of {@code message} (a digest) among its owner's. */
    static int bucket(String message) {
        return Math.floorMod(message.hashCode(), TRAINED_BUCKETS);
    }

    @Override
    public CompletionStage<Optional<Verdict>> trainedAs(String owner, String message) {
        return cql.one("SELECT verdict FROM spam_trained_buckets WHERE owner = ? AND bucket = ? AND message = ?", owner,
                        bucket(message), message)
                .thenCompose(found -> found.isPresent()
                        ? CompletableFuture.completedFuture(found.map(r -> Verdict.valueOf(r.getString("verdict"))))
                        // Trained before migration V10: the row is in the owner's one partition; moved when found.
                        : cql.one("SELECT verdict FROM spam_trained WHERE owner = ? AND message = ?", owner, message)
                                .thenCompose(old -> old.isEmpty()
                                        ? CompletableFuture.completedFuture(Optional.<Verdict>empty())
                                        : moveTrained(owner, message, Verdict.valueOf(old.get().getString("verdict")))));
    }

    private CompletionStage<Optional<Verdict>> moveTrained(String owner, String message, Verdict verdict) {
        return markTrained(owner, message, verdict)
                .thenCompose(v -> cql.run("DELETE FROM spam_trained WHERE owner = ? AND message = ?", owner, message))
                .thenApply(v -> Optional.of(verdict));
    }

    @Override
    public CompletionStage<Void> markTrained(String owner, String message, Verdict verdict) {
        // A row still in spam_trained is read only when none is here, so this one wins.
        return cql.run("INSERT INTO spam_trained_buckets (owner, bucket, message, verdict) VALUES (?, ?, ?, ?)", owner,
                bucket(message), message, verdict.name());
    }

    @Override
    public CompletionStage<Void> delete(String owner) {
        // The model row is written with LWT; it is deleted with one too (mixing them is not safe). Its
        // generation and any being written go first: a row without its chunks could not be read.
        List<CompletionStage<?>> trained = new ArrayList<>();
        trained.add(cql.run("DELETE FROM spam_trained WHERE owner = ?", owner));
        for (int b = 0; b < TRAINED_BUCKETS; b++) {
            trained.add(cql.run("DELETE FROM spam_trained_buckets WHERE owner = ? AND bucket = ?", owner, b));
        }
        return cql.parallel(trained)
                .thenCompose(v -> head(owner))
                .thenCompose(found -> cql.all("SELECT generation FROM spam_model_writes WHERE owner = ?", owner)
                        .thenCompose(writes -> {
                            List<CompletionStage<?>> drops = new ArrayList<>();
                            found.map(Head::generation).ifPresent(g -> drops.add(cql.run(
                                    "DELETE FROM spam_model_chunks WHERE owner = ? AND generation = ?", owner, g)));
                            writes.forEach(r -> drops.add(drop(owner, r.getUuid("generation"))));
                            return cql.parallel(drops);
                        }))
                .thenCompose(v -> cql.applied("DELETE FROM spam_models WHERE owner = ? IF EXISTS", owner))
                .thenApply(deleted -> null);
    }
}
