package io.yubin.filter.spam;

import io.yubin.store.SpamModels;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spam filter of a running server: the global model and each user's, kept through
 * {@link SpamModels} (so on SQLite or Cassandra) and cached per member for {@link Settings#cacheFor()};
 * scores messages and trains on the messages users move into and out of Junk.
 *
 * <p>Training is idempotent per message and owner ({@link MessageFingerprint}): a message trained
 * as spam again changes nothing, a message trained the other way is unlearned first. Every message a
 * user trains also trains the global model, once per message whoever trains it. Models are written
 * with compare-and-set on their version, read again and retried when another member wrote first.
 *
 * <p>Tokenizing and (de)serializing run on the executor given, never on the caller's thread.
 */
public final class SpamFilter {

    private static final Logger LOG = LoggerFactory.getLogger(SpamFilter.class);
    /** Compare-and-set attempts before a training is given up (another member kept winning). */
    private static final int MAX_ATTEMPTS = 20;

    /**
     * @param minTrained a model gives verdicts once it learned at least this many spam and this many
     *     ham messages; below, it is left out (with the global one left out too, no verdict)
     * @param cacheFor how long a model read from the store is used before it is read again
     * @param cachedModels how many models a member keeps in memory at most (least recently used go)
     */
    public record Settings(int minTrained, Duration cacheFor, int cachedModels) {
        public static final Settings DEFAULTS = new Settings(20, Duration.ofSeconds(60), 1000);
    }

    /** What a message scored; {@code trained} is false when no model knew enough to judge. */
    public record Score(double value, int clues, boolean trained) {
        public static final Score UNTRAINED = new Score(0.5, 0, false);

        /** Judged, and at or above {@code threshold}. */
        public boolean atLeast(double threshold) {
            return trained && value >= threshold;
        }
    }

    /** What one training did. */
    public enum Trained { LEARNED, RELEARNED, ALREADY }

    private record Cached(InMemorySpamModel model, long version, Instant loaded) {
    }

    private final SpamModels store;
    private final SpamClassifier classifier;
    private final Settings settings;
    private final Clock clock;
    private final Executor worker;
    private final Map<String, Cached> cache;

    public SpamFilter(SpamModels store, SpamClassifier classifier, Settings settings, Clock clock, Executor worker) {
        this.store = Objects.requireNonNull(store, "store");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > settings.cachedModels();
            }
        };
    }

    /** The features of {@code message}, computed on the worker. */
    public CompletionStage<long[]> features(byte[] message) {
        return CompletableFuture.supplyAsync(() -> classifier.features(message), worker);
    }

    /**
     * The score of a message's features for {@code user} (a canonical address; null for the global
     * model alone): the user's model where it knows enough, the global one for the rest.
     */
    public CompletionStage<Score> score(long[] features, String user) {
        CompletionStage<InMemorySpamModel> own = user == null ? CompletableFuture.completedFuture(null) : model(user);
        return model(SpamModels.GLOBAL).thenCombine(own, (global, mine) -> {
            boolean globalKnows = knowsEnough(global);
            boolean userKnows = mine != null && knowsEnough(mine);
            if (!globalKnows && !userKnows) {
                return Score.UNTRAINED;
            }
            SpamVerdict verdict = classifier.classify(features, globalKnows ? global : new InMemorySpamModel(),
                    userKnows ? mine : null);
            return new Score(verdict.score(), verdict.clues(), true);
        });
    }

    private boolean knowsEnough(SpamModel model) {
        return model.spamMessages() >= settings.minTrained() && model.hamMessages() >= settings.minTrained();
    }

    /**
     * Trains {@code message} as spam or ham for {@code user} (canonical address) and for the global
     * model; what the user's model did.
     */
    public CompletionStage<Trained> train(String user, byte[] message, boolean spam) {
        return CompletableFuture.supplyAsync(() -> new Prepared(MessageFingerprint.of(message),
                        classifier.features(message)), worker)
                .thenCompose(prepared -> train(user, prepared, spam)
                        .thenCompose(mine -> train(SpamModels.GLOBAL, prepared, spam).thenApply(global -> mine)));
    }

    private record Prepared(String digest, long[] features) {
    }

    private CompletionStage<Trained> train(String owner, Prepared prepared, boolean spam) {
        SpamModels.Verdict verdict = spam ? SpamModels.Verdict.SPAM : SpamModels.Verdict.HAM;
        return store.trainedAs(owner, prepared.digest()).thenCompose(before -> {
            if (before.isPresent() && before.get() == verdict) {
                return CompletableFuture.completedFuture(Trained.ALREADY);
            }
            boolean relearn = before.isPresent();
            return update(owner, prepared.features(), spam, relearn, 1)
                    .thenCompose(v -> store.markTrained(owner, prepared.digest(), verdict))
                    .thenApply(v -> relearn ? Trained.RELEARNED : Trained.LEARNED);
        });
    }

    /** Read, change, compare-and-set; again from the start when another writer got there first. */
    private CompletionStage<Void> update(String owner, long[] features, boolean spam, boolean relearn, int attempt) {
        return store.load(owner).thenApplyAsync(stored -> {
            InMemorySpamModel model = stored.map(m -> InMemorySpamModel.fromBytes(m.bytes())).orElseGet(InMemorySpamModel::new);
            if (relearn) {
                model.unlearn(features, !spam);
            }
            model.learn(features, spam);
            return new Cached(model, stored.map(SpamModels.Model::version).orElse(0L), clock.instant());
        }, worker).thenCompose(changed -> store.save(owner, changed.model().toBytes(), changed.version())
                .thenCompose(saved -> {
                    if (saved) {
                        synchronized (cache) {
                            cache.put(owner, new Cached(changed.model(), changed.version() + 1, changed.loaded()));
                        }
                        return CompletableFuture.completedFuture((Void) null);
                    }
                    if (attempt >= MAX_ATTEMPTS) {
                        return CompletableFuture.failedFuture(new IllegalStateException("the spam model of " + owner
                                + " kept changing under " + attempt + " attempts to train it"));
                    }
                    LOG.debug("spam model of {} changed meanwhile; training again (attempt {})", owner, attempt + 1);
                    return update(owner, features, spam, relearn, attempt + 1);
                }));
    }

    /** The owner's model: cached while fresh, else read (an empty one when none is stored). */
    CompletionStage<InMemorySpamModel> model(String owner) {
        Instant now = clock.instant();
        synchronized (cache) {
            Cached cached = cache.get(owner);
            if (cached != null && now.isBefore(cached.loaded().plus(settings.cacheFor()))) {
                return CompletableFuture.completedFuture(cached.model());
            }
        }
        return store.load(owner).thenApplyAsync(stored -> {
            Optional<SpamModels.Model> found = stored;
            InMemorySpamModel model = found.map(m -> InMemorySpamModel.fromBytes(m.bytes())).orElseGet(InMemorySpamModel::new);
            synchronized (cache) {
                cache.put(owner, new Cached(model, found.map(SpamModels.Model::version).orElse(0L), now));
            }
            return model;
        }, worker);
    }
}
