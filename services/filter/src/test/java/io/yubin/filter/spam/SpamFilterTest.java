package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.store.SpamModels;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filter of a running server over the embedded store: training, idempotence, per-user models, races. */
class SpamFilterTest {

    static final String ALICE = "alice@example.test";
    static final String BOB = "bob@example.test";

    @TempDir
    Path dir;
    Storage storage;
    ExecutorService worker;

    @BeforeEach
    void open() {
        storage = EmbeddedStorage.open(dir);
        worker = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void close() throws Exception {
        worker.shutdownNow();
        storage.close();
    }

    SpamFilter filter(Duration cacheFor) {
        return new SpamFilter(storage.spamModels(), new SpamClassifier(),
                new SpamFilter.Settings(5, cacheFor, 64L << 20, 100_000), Clock.systemUTC(), worker);
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    SpamFilter.Score score(SpamFilter filter, byte[] message, String user) {
        return await(filter.features(message).thenCompose(f -> filter.score(f, user)));
    }

    @Test
    void untilBothKindsAreTrainedThereIsNoVerdictThenTrainedSpamScoresHighAndHamLow() {
        SpamFilter filter = filter(Duration.ZERO);
        Random random = new Random(1);
        assertThat(score(filter, Messages.message(random, true, 1), ALICE)).isEqualTo(SpamFilter.Score.UNTRAINED);
        for (int i = 0; i < 5; i++) {
            await(filter.train(ALICE, Messages.message(random, true, 10 + i), true));
        }
        assertThat(score(filter, Messages.message(random, true, 2), ALICE).trained()).as("no ham learned yet").isFalse();
        for (int i = 0; i < 5; i++) {
            await(filter.train(ALICE, Messages.message(random, false, 20 + i), false));
        }

        SpamFilter.Score spam = score(filter, Messages.message(random, true, 3), ALICE);
        SpamFilter.Score ham = score(filter, Messages.message(random, false, 4), ALICE);
        assertThat(spam.trained()).isTrue();
        assertThat(spam.value()).isGreaterThan(0.9);
        assertThat(ham.value()).isLessThan(0.1);
        // With the prior strength chosen by cross-validation (s = 1), 5 messages of each kind keep a
        // feature's probability at most 0.92: bob's message scores 0.89.
        assertThat(score(filter, Messages.message(random, true, 5), BOB).atLeast(0.8))
                .as("alice's training fed the global model, which judges for bob").isTrue();
    }

    @Test
    void trainingIsIdempotentPerMessageAndAMessageMovedBackIsUnlearnedFirst() {
        SpamFilter filter = filter(Duration.ZERO);
        byte[] message = Messages.message(new Random(2), true, 1);

        assertThat(await(filter.train(ALICE, message, true))).isEqualTo(SpamFilter.Trained.LEARNED);
        assertThat(await(filter.train(ALICE, message, true))).isEqualTo(SpamFilter.Trained.ALREADY);
        InMemorySpamModel once = await(filter.model(ALICE));
        assertThat(once.spamMessages()).isEqualTo(1);
        assertThat(await(filter.train(BOB, message, true))).as("bob's own model").isEqualTo(SpamFilter.Trained.LEARNED);
        assertThat(await(filter.model(SpamModels.GLOBAL)).spamMessages()).as("the global model learned it once").isEqualTo(1);

        assertThat(await(filter.train(ALICE, message, false))).isEqualTo(SpamFilter.Trained.RELEARNED);
        InMemorySpamModel after = await(filter.model(ALICE));
        assertThat(after.spamMessages()).isZero();
        assertThat(after.hamMessages()).isEqualTo(1);
        long feature = new SpamClassifier().features(message)[0];
        assertThat(after.counts(feature)).as("spam count 0, ham count 1").isEqualTo(1L);
    }

    @Test
    void twoMembersTrainingOneModelAtOnceLoseNoMessage() {
        // Two filters over one store: two cluster members, each with its own cache.
        SpamFilter one = filter(Duration.ofMinutes(5));
        SpamFilter two = filter(Duration.ofMinutes(5));
        Random random = new Random(3);
        List<CompletableFuture<SpamFilter.Trained>> running = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            SpamFilter member = i % 2 == 0 ? one : two;
            running.add(member.train(ALICE, Messages.message(random, i % 4 < 2, 100 + i), i % 4 < 2).toCompletableFuture());
        }
        running.forEach(CompletableFuture::join);

        InMemorySpamModel stored = InMemorySpamModel.fromBytes(await(storage.spamModels().load(ALICE)).orElseThrow().bytes());
        assertThat(stored.spamMessages() + stored.hamMessages()).isEqualTo(20);
        InMemorySpamModel global = InMemorySpamModel.fromBytes(
                await(storage.spamModels().load(SpamModels.GLOBAL)).orElseThrow().bytes());
        assertThat(global.spamMessages()).isEqualTo(10);
        assertThat(global.hamMessages()).isEqualTo(10);
    }

    @Test
    void aCachedModelIsUsedUntilItIsOldThenReadAgain() throws Exception {
        SpamFilter reader = filter(Duration.ofMillis(300));
        SpamFilter trainer = filter(Duration.ZERO);
        assertThat(await(reader.model(ALICE)).spamMessages()).isZero();
        await(trainer.train(ALICE, Messages.message(new Random(4), true, 1), true));
        assertThat(await(reader.model(ALICE)).spamMessages()).as("cached").isZero();
        Thread.sleep(400);
        assertThat(await(reader.model(ALICE)).spamMessages()).isEqualTo(1);
    }

    @Test
    void aModelThatGrowsPastItsLimitIsPrunedToNineTenthsOfIt() {
        SpamFilter filter = new SpamFilter(storage.spamModels(), new SpamClassifier(),
                new SpamFilter.Settings(5, Duration.ZERO, 64L << 20, 1000), Clock.systemUTC(), worker);
        Random random = new Random(8);
        for (int i = 0; i < 30; i++) {
            await(filter.train(ALICE, Messages.message(random, i % 2 == 0, 100 + i), i % 2 == 0));
        }
        for (String owner : new String[] {ALICE, SpamModels.GLOBAL}) {
            InMemorySpamModel stored = InMemorySpamModel.fromBytes(await(storage.spamModels().load(owner)).orElseThrow().bytes());
            assertThat(stored.features()).as(owner).isBetween(1, 1000);
            assertThat(stored.spamMessages()).isEqualTo(15);
            assertThat(stored.hamMessages()).isEqualTo(15);
        }
        assertThat(score(filter, Messages.message(random, true, 500), ALICE).value()).isGreaterThan(0.9);
        assertThat(score(filter, Messages.message(random, false, 501), ALICE).value()).isLessThan(0.1);
    }

    @Test
    void theCachedModelsStayWithinTheirMemoryTheOneUsedLastAlwaysKept() {
        SpamFilter trainer = filter(Duration.ZERO);
        Random random = new Random(9);
        String[] users = new String[6];
        for (int u = 0; u < users.length; u++) {
            users[u] = "user" + u + "@example.test";
            await(trainer.train(users[u], Messages.message(random, true, 1000 + u), true));
        }
        long one = await(trainer.model(users[0])).footprint();
        SpamFilter reader = new SpamFilter(storage.spamModels(), new SpamClassifier(),
                new SpamFilter.Settings(5, Duration.ofMinutes(5), 3 * one, 100_000), Clock.systemUTC(), worker);
        for (String user : users) {
            await(reader.model(user));
            assertThat(reader.cachedBytes()).isLessThanOrEqualTo(3 * one);
        }
        SpamFilter tiny = new SpamFilter(storage.spamModels(), new SpamClassifier(),
                new SpamFilter.Settings(5, Duration.ofMinutes(5), 0, 100_000), Clock.systemUTC(), worker);
        for (String user : users) {
            InMemorySpamModel model = await(tiny.model(user));
            assertThat(tiny.cachedBytes()).as("only the last").isEqualTo(model.footprint());
        }
    }
}
