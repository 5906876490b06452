package io.yubin.filter.spam;

import io.yubin.store.SpamModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
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
    /**
     * A message is judged and trained on its first octets at most: the tokenizer reads 64 KiB of text,
     * which an attachment before it may push this far.
     */
    public static final int MAX_MESSAGE_BYTES = 512 * 1024;
    /** Compare-and-set attempts before a training is given up (another member kept winning). */
    private static final int MAX_ATTEMPTS = 20;

    /**
     * @param minTrained a model gives verdicts once it learned at least this many spam and this many
     *     ham messages; below, it is left out (with the global one left out too, no verdict)
     * @param cacheFor how long a model read from the store is used before it is read again
     * @param cacheBytes the memory a member gives the models it keeps (least recently used go first;
     *     the model used last always stays, whatever its size)
     * @param maxFeatures the most features a model keeps: one that grows past it in a training is pruned
     *     to nine tenths of it ({@link InMemorySpamModel#prune})
     */
    public record Settings(int minTrained, Duration cacheFor, long cacheBytes, int maxFeatures) {
        /** 2 million features: some 17 MB stored, 64 MiB in memory; the corpus's development set makes 1.42 million. */
        public static final int MAX_FEATURES = 2_000_000;
        public static final Settings DEFAULTS = new Settings(20, Duration.ofSeconds(60), 128L << 20, MAX_FEATURES);

        public Settings {
            if (minTrained < 1 || cacheBytes < 0 || maxFeatures < 1) {
                throw new IllegalArgumentException("minTrained and maxFeatures must be positive, cacheBytes not negative");
            }
        }
    }

    /** What a message scored; {@code trained} is false when no model knew enough to judge. */
    public record Score(double value, int clues, boolean trained, Set<SpamRule> rules) {
        public static final Score UNTRAINED = new Score(0.5, 0, false, Set.of());

        /** The rules found, by name, comma-separated ("" for none): for the message's spam header. */
        public String ruleNames() {
            return rules.stream().map(Enum::name).collect(Collectors.joining(","));
        }

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
    /** In order of use, the least recently used first; guarded by itself, as is {@link #cachedBytes}. */
    private final LinkedHashMap<String, Cached> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedBytes;

    public SpamFilter(SpamModels store, SpamClassifier classifier, Settings settings, Clock clock, Executor worker) {
        this.store = Objects.requireNonNull(store, "store");
        this.classifier = Objects.requireNonNull(classifier, "classifier");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.worker = Objects.requireNonNull(worker, "worker");
    }

    /** Caches {@code entry}, then lets the least recently used go while the cache is over its memory. */
    private void cache(String owner, Cached entry) {
        synchronized (cache) {
            Cached before = cache.put(owner, entry);
            cachedBytes += entry.model().footprint() - (before == null ? 0 : before.model().footprint());
            var eldest = cache.entrySet().iterator();
            while (cachedBytes > settings.cacheBytes() && cache.size() > 1) {
                Cached gone = eldest.next().getValue();
                eldest.remove();
                cachedBytes -= gone.model().footprint();
            }
        }
    }

    /** The memory the cached models take, in octets. */
    long cachedBytes() {
        synchronized (cache) {
            return cachedBytes;
        }
    }

    /** The first {@link #MAX_MESSAGE_BYTES} octets of {@code message}, which is closed (blocking). */
    public static byte[] head(InputStream message) {
        try (message) {
            return message.readNBytes(MAX_MESSAGE_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The features of {@code message}, computed on the worker. */
    public CompletionStage<long[]> features(byte[] message) {
        return CompletableFuture.supplyAsync(() -> classifier.features(message), worker);
    }

    /** The features of {@code message} and its first URL domains, from one reading on the worker. */
    public CompletionStage<SpamTokenizer.Analysis> analyze(byte[] message, int maxUrlDomains) {
        return CompletableFuture.supplyAsync(() -> classifier.analyze(message, maxUrlDomains), worker);
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
            return new Score(verdict.score(), verdict.clues(), true, verdict.rules());
        });
    }

    /**
     * Whether a model that {@link #score} uses for {@code user} (null: the global one alone) knows
     * enough to judge; when none does, nothing needs tokenizing.
     */
    public CompletionStage<Boolean> judges(String user) {
        CompletionStage<InMemorySpamModel> own = user == null ? CompletableFuture.completedFuture(null) : model(user);
        return model(SpamModels.GLOBAL).thenCombine(own, (global, mine) -> knowsEnough(global)
                || mine != null && knowsEnough(mine));
    }

    private boolean knowsEnough(SpamModel model) {
        return model.spamMessages() >= settings.minTrained() && model.hamMessages() >= settings.minTrained();
    }

    /**
     * Trains {@code message} as spam or ham for {@code user} (canonical address) and for the global
     * model; what the user's model did.
     */
    public CompletionStage<Trained> train(String user, byte[] message, boolean spam) {
        return train(user, List.of(message), spam).thenApply(done -> done.get(0));
    }

    /**
     * Trains {@code messages} as spam or ham for {@code user} (a canonical address, or
     * {@link SpamModels#GLOBAL} for the global model alone) and for the global model, each model read
     * and written once for all of them (bulk training); what the user's model did with each.
     */
    public CompletionStage<List<Trained>> train(String user, List<byte[]> messages, boolean spam) {
        return CompletableFuture.supplyAsync(() -> messages.stream().map(m -> new Prepared(MessageFingerprint.of(m),
                        classifier.features(m))).toList(), worker)
                .thenCompose(prepared -> learn(user, prepared, spam)
                        .thenCompose(mine -> user.equals(SpamModels.GLOBAL) ? CompletableFuture.completedFuture(mine)
                                : learn(SpamModels.GLOBAL, prepared, spam).thenApply(global -> mine)));
    }

    private record Prepared(String digest, long[] features) {
    }

    /** What one message is to a model: learned afresh, learned the other way, or left as it is. */
    private record Change(Prepared message, Trained what) {
    }

    private CompletionStage<List<Trained>> learn(String owner, List<Prepared> messages, boolean spam) {
        SpamModels.Verdict verdict = spam ? SpamModels.Verdict.SPAM : SpamModels.Verdict.HAM;
        List<CompletableFuture<Change>> looked = messages.stream().map(m -> store.trainedAs(owner, m.digest())
                .thenApply(before -> new Change(m, before.isEmpty() ? Trained.LEARNED
                        : before.get() == verdict ? Trained.ALREADY : Trained.RELEARNED)).toCompletableFuture()).toList();
        return CompletableFuture.allOf(looked.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            // One message given twice in a batch is learned once: its later copies are known already.
            Set<String> seen = new HashSet<>();
            List<Change> changes = looked.stream().map(CompletableFuture::join)
                    .map(c -> seen.add(c.message().digest()) ? c : new Change(c.message(), Trained.ALREADY)).toList();
            List<Change> learning = changes.stream().filter(c -> c.what() != Trained.ALREADY).toList();
            CompletionStage<Void> updated = learning.isEmpty() ? CompletableFuture.completedFuture(null)
                    : update(owner, learning, spam, 1);
            return updated.thenCompose(u -> CompletableFuture.allOf(learning.stream()
                            .map(c -> store.markTrained(owner, c.message().digest(), verdict).toCompletableFuture())
                            .toArray(CompletableFuture[]::new)))
                    .thenApply(u -> changes.stream().map(Change::what).toList());
        });
    }

    /** Read, change, compare-and-set; again from the start when another writer got there first. */
    private CompletionStage<Void> update(String owner, List<Change> changes, boolean spam, int attempt) {
        return store.load(owner).thenApplyAsync(stored -> {
            InMemorySpamModel model = stored.map(m -> InMemorySpamModel.fromBytes(m.bytes())).orElseGet(InMemorySpamModel::new);
            for (Change change : changes) {
                if (change.what() == Trained.RELEARNED) {
                    model.unlearn(change.message().features(), !spam);
                }
                model.learn(change.message().features(), spam);
            }
            if (model.features() > settings.maxFeatures()) {
                int removed = model.prune(settings.maxFeatures() / 10 * 9);
                LOG.info("spam model of {} pruned: {} features seen in the fewest messages removed, {} kept", owner,
                        removed, model.features());
            }
            return new Cached(model, stored.map(SpamModels.Model::version).orElse(0L), clock.instant());
        }, worker).thenCompose(changed -> store.save(owner, changed.model().toBytes(), changed.version())
                .thenCompose(saved -> {
                    if (saved) {
                        cache(owner, new Cached(changed.model(), changed.version() + 1, changed.loaded()));
                        return CompletableFuture.completedFuture((Void) null);
                    }
                    if (attempt >= MAX_ATTEMPTS) {
                        return CompletableFuture.failedFuture(new IllegalStateException("the spam model of " + owner
                                + " kept changing under " + attempt + " attempts to train it"));
                    }
                    LOG.debug("spam model of {} changed meanwhile; training again (attempt {})", owner, attempt + 1);
                    return update(owner, changes, spam, attempt + 1);
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
            cache(owner, new Cached(model, found.map(SpamModels.Model::version).orElse(0L), now));
            return model;
        }, worker);
    }
}
