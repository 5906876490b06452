package io.yubin.store.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.yubin.store.SpamModels;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How {@link CassandraSpamModels} lays models out (migration V10): what is left in the tables
 * after trainings, races, a writer that died, a model written before chunks, and where training records go. The behaviour every
 * backend shares is {@code SpamModelsContract}'s.
 */
@ExtendWith(CassandraTestNode.class)
class CassandraSpamModelLayoutTest {

    private static CqlSession session;
    private static CassandraSpamModels models;

    @BeforeAll
    static void connect() {
        session = CassandraStorage.connect(CassandraTestNode.options(), true);
        // Models of more than one chunk go into chunks here, so that a few MiB exercise them.
        models = new CassandraSpamModels(new Cql(session), Clock.systemUTC(), CassandraSpamModels.CHUNK);
    }

    @AfterAll
    static void close() {
        session.close();
    }

    @Test
    void aModelStoredInItsRowBeforeChunksIsReadAndMovedIntoChunksByItsNextTraining() throws Exception {
        String owner = owner();
        byte[] old = bytes(5000, 1);
        session.execute(SimpleStatement.newInstance("INSERT INTO spam_models (owner, version, model) VALUES (?, 4, ?) "
                + "IF NOT EXISTS", owner, ByteBuffer.wrap(old)));

        SpamModels.Model loaded = await(models.load(owner)).orElseThrow();
        assertThat(loaded.version()).isEqualTo(4);
        assertThat(loaded.bytes()).isEqualTo(old);

        byte[] next = bytes(CassandraSpamModels.CHUNK + 1, 2);
        assertThat(await(models.save(owner, next, 4))).isTrue();
        SpamModels.Model moved = await(models.load(owner)).orElseThrow();
        assertThat(moved.version()).isEqualTo(5);
        assertThat(moved.bytes()).isEqualTo(next);
        Row row = session.execute(SimpleStatement.newInstance("SELECT model, chunks FROM spam_models WHERE owner = ?",
                owner)).one();
        assertThat(row.getByteBuffer("model")).as("the old cell is cleared").isNull();
        assertThat(row.getInt("chunks")).isEqualTo(2);
        assertThat(chunks(owner)).hasSize(2);
    }

    @Test
    void afterTrainingsAndRacesOnlyTheCurrentGenerationsChunksRemain() throws Exception {
        String owner = owner();
        assertThat(await(models.save(owner, bytes(3 * CassandraSpamModels.CHUNK + 1, 3), 0))).isTrue();
        assertThat(chunks(owner)).hasSize(4);
        assertThat(await(models.save(owner, bytes(CassandraSpamModels.CHUNK + 5, 4), 1))).isTrue();
        assertThat(chunks(owner)).as("the replaced generation is gone").hasSize(2);

        List<CompletableFuture<Boolean>> racing = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            racing.add(models.save(owner, bytes(2 * CassandraSpamModels.CHUNK + i, 10 + i), 2).toCompletableFuture());
        }
        int winner = -1;
        for (int i = 0; i < racing.size(); i++) {
            if (racing.get(i).get(60, TimeUnit.SECONDS)) {
                assertThat(winner).as("one winner").isEqualTo(-1);
                winner = i;
            }
        }
        assertThat(winner).isNotEqualTo(-1);
        assertThat(await(models.load(owner)).orElseThrow().bytes())
                .isEqualTo(bytes(2 * CassandraSpamModels.CHUNK + winner, 10 + winner));
        Set<String> left = chunks(owner);
        int size = 2 * CassandraSpamModels.CHUNK + winner;
        assertThat(left).as("the losers removed theirs")
                .hasSize((size + CassandraSpamModels.CHUNK - 1) / CassandraSpamModels.CHUNK);
        assertThat(left.stream().map(c -> c.substring(0, c.indexOf('/'))).distinct()).hasSize(1);
        assertThat(writes(owner)).as("no generation is being written").isEmpty();
    }

    @Test
    void aReaderNeverGetsAMixOfTwoGenerations() throws Exception {
        String owner = owner();
        int size = 2 * CassandraSpamModels.CHUNK + 3;
        assertThat(await(models.save(owner, bytes(size, 0), 0))).isTrue();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int version = 1; version <= 8; version++) {
                assertThat(models.save(owner, bytes(size, version), version).toCompletableFuture().join()).isTrue();
            }
        });
        List<byte[]> seen = new ArrayList<>();
        while (!writer.isDone()) {
            seen.add(await(models.load(owner)).orElseThrow().bytes());
        }
        writer.get(60, TimeUnit.SECONDS);
        assertThat(seen).isNotEmpty().allSatisfy(read -> {
            int step = read[1] - read[0];
            assertThat(read).as("one generation whole (step %d)", step).isEqualTo(bytes(size, step));
        });
    }

    @Test
    void aGenerationLeftByAWriterThatDiedIsRemovedByTheNextTrainingOnceItIsAnHourOld() throws Exception {
        String owner = owner();
        assertThat(await(models.save(owner, bytes(CassandraSpamModels.CHUNK + 1, 5), 0))).isTrue();
        UUID dead = UUID.randomUUID();
        UUID writing = UUID.randomUUID();
        long now = System.currentTimeMillis();
        leftBehind(owner, dead, now - Duration.ofHours(2).toMillis(), 2);
        leftBehind(owner, writing, now - Duration.ofMinutes(1).toMillis(), 1);
        assertThat(chunks(owner)).hasSize(5);

        assertThat(await(models.save(owner, bytes(CassandraSpamModels.CHUNK + 2, 6), 1))).isTrue();

        assertThat(writes(owner)).as("a writer still at work is left alone").containsExactly(writing);
        assertThat(chunks(owner)).hasSize(3).anyMatch(c -> c.startsWith(writing + "/"))
                .noneMatch(c -> c.startsWith(dead + "/"));
        assertThat(await(models.load(owner)).orElseThrow().bytes()).isEqualTo(bytes(CassandraSpamModels.CHUNK + 2, 6));
    }

    @Test
    void aSmallModelIsKeptInItsRowWhereTheCodeBeforeChunksReadsIt() throws Exception {
        String owner = owner();
        assertThat(await(models.save(owner, bytes(1000, 1), 0))).isTrue();
        assertThat(oldCodeReads(owner)).isEqualTo(bytes(1000, 1));
        assertThat(chunks(owner)).isEmpty();

        assertThat(await(models.save(owner, bytes(2 * CassandraSpamModels.CHUNK, 2), 1))).isTrue();
        assertThat(chunks(owner)).hasSize(2);
        assertThat(await(models.save(owner, bytes(3000, 3), 2))).isTrue();
        assertThat(chunks(owner)).as("the replaced generation is gone").isEmpty();
        assertThat(oldCodeReads(owner)).isEqualTo(bytes(3000, 3));
        assertThat(await(models.load(owner)).orElseThrow().version()).isEqualTo(3);
    }

    /**
     * During an upgrade a member of the version before V10 trains a model whose row names a generation:
     * it writes the bytes into the row and moves the version, and leaves the generation as it was.
     */
    @Test
    void aModelAMemberBeforeChunksWroteOverAGenerationIsReadFromItsRowAndTheNextTrainingReplacesBoth()
            throws Exception {
        String owner = owner();
        assertThat(await(models.save(owner, bytes(2 * CassandraSpamModels.CHUNK + 1, 4), 0))).isTrue();
        assertThat(session.execute(SimpleStatement.newInstance("UPDATE spam_models SET model = ?, version = ? WHERE "
                + "owner = ? IF version = ?", ByteBuffer.wrap(bytes(500, 5)), 2L, owner, 1L)).wasApplied()).isTrue();

        SpamModels.Model read = await(models.load(owner)).orElseThrow();
        assertThat(read.version()).isEqualTo(2);
        assertThat(read.bytes()).isEqualTo(bytes(500, 5));

        assertThat(await(models.save(owner, bytes(2 * CassandraSpamModels.CHUNK + 7, 6), 2))).isTrue();
        assertThat(await(models.load(owner)).orElseThrow().bytes()).isEqualTo(bytes(2 * CassandraSpamModels.CHUNK + 7, 6));
        assertThat(chunks(owner)).as("only the new generation").hasSize(3);
    }

    /** What the code before V10 read: the row's model. */
    private static byte[] oldCodeReads(String owner) {
        ByteBuffer model = session.execute(SimpleStatement.newInstance("SELECT model, version FROM spam_models WHERE "
                + "owner = ?", owner)).one().getByteBuffer("model");
        byte[] out = new byte[model.remaining()];
        model.duplicate().get(out);
        return out;
    }

    @Test
    void deletingAnOwnerRemovesItsChunksAndTheGenerationsBeingWritten() throws Exception {
        String owner = owner();
        String other = owner();
        assertThat(await(models.save(owner, bytes(CassandraSpamModels.CHUNK * 2, 7), 0))).isTrue();
        assertThat(await(models.save(other, bytes(10, 8), 0))).isTrue();
        leftBehind(owner, UUID.randomUUID(), System.currentTimeMillis(), 1);

        await(models.delete(owner));

        assertThat(await(models.load(owner))).isEmpty();
        assertThat(chunks(owner)).isEmpty();
        assertThat(writes(owner)).isEmpty();
        assertThat(await(models.load(other)).orElseThrow().bytes()).isEqualTo(bytes(10, 8));
        assertThat(oldCodeReads(other)).as("small: in its row").isEqualTo(bytes(10, 8));
    }

    @Test
    void trainingRecordsSpreadOverTheOwnersBucketsAndOnesFromBeforeAreMovedThereWhenRead() throws Exception {
        String owner = owner();
        session.execute(SimpleStatement.newInstance("INSERT INTO spam_trained (owner, message, verdict) VALUES (?, ?, ?)",
                owner, "old-digest", "SPAM"));
        assertThat(await(models.trainedAs(owner, "old-digest"))).contains(SpamModels.Verdict.SPAM);
        assertThat(session.execute(SimpleStatement.newInstance("SELECT * FROM spam_trained WHERE owner = ?", owner)).all())
                .as("moved").isEmpty();
        assertThat(session.execute(SimpleStatement.newInstance("SELECT verdict FROM spam_trained_buckets WHERE owner = ? "
                + "AND bucket = ? AND message = ?", owner, CassandraSpamModels.bucket("old-digest"), "old-digest")).one()
                .getString("verdict")).isEqualTo("SPAM");
        await(models.markTrained(owner, "old-digest", SpamModels.Verdict.HAM));
        assertThat(await(models.trainedAs(owner, "old-digest"))).contains(SpamModels.Verdict.HAM);

        for (int i = 0; i < 640; i++) {
            await(models.markTrained(owner, java.util.HexFormat.of().formatHex(java.security.MessageDigest
                    .getInstance("SHA-256").digest(("m" + i).getBytes())), SpamModels.Verdict.SPAM));
        }
        int[] perBucket = new int[CassandraSpamModels.TRAINED_BUCKETS];
        for (int b = 0; b < perBucket.length; b++) {
            perBucket[b] = session.execute(SimpleStatement.newInstance("SELECT message FROM spam_trained_buckets WHERE "
                    + "owner = ? AND bucket = ?", owner, b)).all().size();
        }
        assertThat(java.util.Arrays.stream(perBucket).sum()).isEqualTo(641);
        assertThat(java.util.Arrays.stream(perBucket).max().orElseThrow()).as("no partition holds them all").isLessThan(40);

        await(models.delete(owner));
        for (int b = 0; b < perBucket.length; b++) {
            assertThat(session.execute(SimpleStatement.newInstance("SELECT message FROM spam_trained_buckets WHERE "
                    + "owner = ? AND bucket = ?", owner, b)).all()).isEmpty();
        }
    }

    /** A generation of {@code chunks} chunks whose writing started at {@code started} and never ended. */
    private static void leftBehind(String owner, UUID generation, long started, int chunks) {
        session.execute(SimpleStatement.newInstance("INSERT INTO spam_model_writes (owner, generation, started) "
                + "VALUES (?, ?, ?)", owner, generation, started));
        for (int i = 0; i < chunks; i++) {
            session.execute(SimpleStatement.newInstance("INSERT INTO spam_model_chunks (owner, generation, chunk, data) "
                    + "VALUES (?, ?, ?, ?)", owner, generation, i, ByteBuffer.wrap(new byte[] {1})));
        }
    }

    /** The owner's chunks as {@code generation/chunk}. */
    private static Set<String> chunks(String owner) {
        Set<String> out = new TreeSet<>();
        for (Row row : session.execute("SELECT owner, generation, chunk FROM spam_model_chunks")) {
            if (row.getString("owner").equals(owner)) {
                out.add(row.getUuid("generation") + "/" + row.getInt("chunk"));
            }
        }
        return out;
    }

    private static Set<UUID> writes(String owner) {
        return session.execute(SimpleStatement.newInstance("SELECT generation FROM spam_model_writes WHERE owner = ?",
                owner)).all().stream().map(r -> r.getUuid("generation")).collect(Collectors.toSet());
    }

    private static String owner() {
        return UUID.randomUUID() + "@chunks.test";
    }

    private static byte[] bytes(int size, int step) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * step + (i >> 20));
        }
        return bytes;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
