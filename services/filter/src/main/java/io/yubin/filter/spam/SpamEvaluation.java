package io.yubin.filter.spam;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The measuring harness of the spam filter: trains a model on one set of messages and classifies
 * another, or cross-validates over one set, and reports {@link SpamMetrics}.
 */
public final class SpamEvaluation {

    /** The scores of a test set's ham and spam, and the wall time that classifying them took. */
    record Scores(double[] ham, double[] spam, long nanos) {

        SpamMetrics metrics(double threshold, int threads) {
            int hamAsSpam = count(ham, threshold);
            int spamAsSpam = count(spam, threshold);
            double perSecond = (ham.length + spam.length) / (nanos / 1e9);
            return new SpamMetrics(threshold, spamAsSpam, spam.length - spamAsSpam, ham.length - hamAsSpam, hamAsSpam,
                    perSecond, threads);
        }

        private static int count(double[] scores, double threshold) {
            int n = 0;
            for (double s : scores) {
                if (s >= threshold) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * Messages classified untimed before the timing, by default. On 2 busy cores the JIT had not
     * finished compiling the MIME and HTML paths after 4,000 messages (HTML-heavy spam then ran at a
     * third of its later speed); after 20,000 the rate rose no further (40,000 gave the same).
     */
    public static final int DEFAULT_WARM_UP = 20_000;

    private final SpamClassifier classifier;
    private final int threads;
    private final int warmUp;

    /** @param warmUp messages classified untimed first (the test set over and over), so that compiled code is timed */
    public SpamEvaluation(SpamClassifier classifier, int threads, int warmUp) {
        this.classifier = classifier;
        this.threads = threads;
        this.warmUp = warmUp;
    }

    /** Trains a new model on the training sets, then classifies the test sets. */
    public SpamMetrics trainAndTest(List<byte[]> trainHam, List<byte[]> trainSpam, List<byte[]> testHam,
            List<byte[]> testSpam, double threshold) {
        return trainAndTestScores(trainHam, trainSpam, testHam, testSpam).metrics(threshold, threads);
    }

    Scores trainAndTestScores(List<byte[]> trainHam, List<byte[]> trainSpam, List<byte[]> testHam,
            List<byte[]> testSpam) {
        InMemorySpamModel model = new InMemorySpamModel();
        for (long[] features : features(trainHam)) {
            model.learn(features, false);
        }
        for (long[] features : features(trainSpam)) {
            model.learn(features, true);
        }
        warmUp(testHam, testSpam, model);
        return timed(testHam, testSpam, model);
    }

    /** Which messages of a set (in their order: by name, roughly by date in the SpamAssassin corpus) form a fold. */
    public enum FoldOrder {
        /** Message i is in fold i mod K: each fold spans the whole period, its neighbours learned. */
        INTERLEAVED,
        /** Fold k is the k-th run of about n/K consecutive messages: a fold is tested on a model that saw none of them. */
        CONTIGUOUS;

        int fold(int i, int n, int folds) {
            return this == INTERLEAVED ? i % folds : (int) ((long) i * folds / n);
        }
    }

    /** K-fold cross-validation: each fold is classified by a model trained on the others; the counts of all folds add up. */
    public SpamMetrics crossValidate(List<byte[]> ham, List<byte[]> spam, int folds, FoldOrder order, double threshold) {
        return crossValidateScores(ham, spam, folds, order).metrics(threshold, threads);
    }

    Scores crossValidateScores(List<byte[]> ham, List<byte[]> spam, int folds, FoldOrder order) {
        if (folds < 2 || folds > Math.min(ham.size(), spam.size())) {
            throw new IllegalArgumentException("folds must be from 2 to the size of the smaller set, not " + folds);
        }
        List<long[]> hamFeatures = features(ham);
        List<long[]> spamFeatures = features(spam);
        double[] hamScores = new double[ham.size()];
        double[] spamScores = new double[spam.size()];
        long nanos = 0;
        for (int fold = 0; fold < folds; fold++) {
            InMemorySpamModel model = new InMemorySpamModel();
            List<Integer> testHam = new ArrayList<>();
            List<Integer> testSpam = new ArrayList<>();
            learnOutside(model, hamFeatures, fold, folds, order, false, testHam);
            learnOutside(model, spamFeatures, fold, folds, order, true, testSpam);
            if (fold == 0) {
                warmUp(ham, spam, model);
            }
            Scores scores = timed(pick(ham, testHam), pick(spam, testSpam), model);
            nanos += scores.nanos();
            for (int j = 0; j < testHam.size(); j++) {
                hamScores[testHam.get(j)] = scores.ham()[j];
            }
            for (int j = 0; j < testSpam.size(); j++) {
                spamScores[testSpam.get(j)] = scores.spam()[j];
            }
        }
        return new Scores(hamScores, spamScores, nanos);
    }

    /** Learns the messages outside the fold and lists the indexes of those in it. */
    private static void learnOutside(SpamModel model, List<long[]> features, int fold, int folds, FoldOrder order,
            boolean spam, List<Integer> inFold) {
        for (int i = 0; i < features.size(); i++) {
            if (order.fold(i, features.size(), folds) == fold) {
                inFold.add(i);
            } else {
                model.learn(features.get(i), spam);
            }
        }
    }

    private static List<byte[]> pick(List<byte[]> messages, List<Integer> indexes) {
        List<byte[]> out = new ArrayList<>(indexes.size());
        for (int i : indexes) {
            out.add(messages.get(i));
        }
        return out;
    }

    private void warmUp(List<byte[]> ham, List<byte[]> spam, SpamModel model) {
        List<byte[]> all = new ArrayList<>(ham);
        all.addAll(spam);
        for (int done = 0; done < warmUp && !all.isEmpty(); ) {
            List<byte[]> pass = all.subList(0, Math.min(all.size(), warmUp - done));
            classify(pass, model);
            done += pass.size();
        }
    }

    private Scores timed(List<byte[]> ham, List<byte[]> spam, SpamModel model) {
        long start = System.nanoTime();
        double[] hamScores = classify(ham, model);
        double[] spamScores = classify(spam, model);
        return new Scores(hamScores, spamScores, System.nanoTime() - start);
    }

    private double[] classify(List<byte[]> messages, SpamModel model) {
        double[] scores = new double[messages.size()];
        parallel(messages.size(), i -> scores[i] = classifier.classify(messages.get(i), model).score());
        return scores;
    }

    private List<long[]> features(List<byte[]> messages) {
        long[][] features = new long[messages.size()][];
        parallel(messages.size(), i -> features[i] = classifier.features(messages.get(i)));
        return List.of(features);
    }

    /** Runs task(0..n-1) in {@code threads} contiguous slices; the model is only read meanwhile. */
    private void parallel(int n, IntConsumer task) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> slices = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = (int) ((long) n * t / threads);
                int to = (int) ((long) n * (t + 1) / threads);
                slices.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        task.accept(i);
                    }
                }));
            }
            for (Future<?> slice : slices) {
                slice.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
