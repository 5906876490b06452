package io.yubin.filter.spam;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The measuring harness of the spam filter: trains a model on one set of messages and classifies
 * another, or cross-validates over one set, and reports {@link SpamMetrics}.
 */
public final class SpamEvaluation {

    /** The scores of a test set's ham and spam, and the wall time that classifying them took. */
    /** Scores of the messages; NaN for a message no model classified (a source too small to leave out). */
    public record Scores(double[] ham, double[] spam, long nanos) {

        public SpamMetrics metrics(double threshold, int threads) {
            int hamAsSpam = count(ham, threshold);
            int spamAsSpam = count(spam, threshold);
            int hams = classified(ham);
            int spams = classified(spam);
            double perSecond = (hams + spams) / (nanos / 1e9);
            return new SpamMetrics(YubinSpamEngine.decision(threshold), spamAsSpam, spams - spamAsSpam, hams - hamAsSpam,
                    hamAsSpam, perSecond, threads);
        }

        /**
         * The false positives, recall and precision at each threshold, one line each: the trade a
         * validation of the training data offers, to choose a junk threshold by (never the test set's).
         */
        public String curve(double[] thresholds) {
            StringBuilder out = new StringBuilder("threshold  ham called spam      recall  precision\n");
            for (double t : thresholds) {
                SpamMetrics m = metrics(t, 1);
                out.append(String.format(Locale.ROOT, "%-9.3f  %5d (%6.2f %%)  %8.4f  %9.4f%n", t, m.hamAsSpam(),
                        100 * m.hamFalsePositiveRate(), m.recall(), m.precision()));
            }
            return out.toString();
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

        private static int classified(double[] scores) {
            int n = 0;
            for (double s : scores) {
                if (!Double.isNaN(s)) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * Where each ham message comes from, for leaving one source out: its {@code List-Id} (RFC 2919, the
     * part in angle brackets, lower case), or, without one, the set (directory or mbox) it is in.
     *
     * @param names the sources left out one at a time, by fold
     * @param folds the fold of each ham message (in the order of {@link #flatten}); -1 for a message of
     *     a source too small to leave out, which every model learns
     * @param sizes the ham messages of each left-out source, by fold
     */
    public record Sources(List<String> names, int[] folds, int[] sizes) {

        /** The field, unfolded across continuation lines (RFC 5322 §2.2.3). */
        private static final Pattern LIST_ID = Pattern.compile(
                "(?im)^List-Id:((?:[^\\r\\n]|\\r?\\n[ \\t])*)");
        private static final Pattern ANGLE = Pattern.compile("<([^>]+)>");

        /** Sources of at least {@code minSize} ham messages are left out; the others always learned. */
        public static Sources of(List<List<byte[]>> hamSets, int minSize) {
            List<String> source = new ArrayList<>();
            for (int set = 0; set < hamSets.size(); set++) {
                for (byte[] message : hamSets.get(set)) {
                    String head = new String(message, 0, Math.min(message.length, 16 * 1024),
                            StandardCharsets.ISO_8859_1);
                    // The header ends at the first empty line (files of the corpus end their lines with LF).
                    int crlf = head.indexOf("\n\r\n");
                    int lf = head.indexOf("\n\n");
                    int end = crlf < 0 ? lf : lf < 0 ? crlf : Math.min(crlf, lf);
                    Matcher m = LIST_ID.matcher(end < 0 ? head : head.substring(0, end));
                    source.add(m.find() ? listId(m.group(1)) : "set " + (set + 1));
                }
            }
            Map<String, Integer> counts = new TreeMap<>();
            source.forEach(name -> counts.merge(name, 1, Integer::sum));
            List<String> names = counts.entrySet().stream().filter(e -> e.getValue() >= minSize)
                    .map(Map.Entry::getKey).toList();
            int[] folds = new int[source.size()];
            for (int i = 0; i < folds.length; i++) {
                folds[i] = names.indexOf(source.get(i));
            }
            return new Sources(names, folds, names.stream().mapToInt(counts::get).toArray());
        }

        /** The list identifier in angle brackets, else the whole value; lower case, folding undone. */
        private static String listId(String value) {
            String unfolded = value.replaceAll("\\r?\\n[ \\t]", " ").strip();
            Matcher angle = ANGLE.matcher(unfolded);
            return (angle.find() ? angle.group(1).strip() : unfolded).toLowerCase(Locale.ROOT);
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

    /** Trains Yubin's classifier, a new model, on the training sets, then classifies the test sets. */
    public SpamMetrics trainAndTest(List<byte[]> trainHam, List<byte[]> trainSpam, List<byte[]> testHam,
            List<byte[]> testSpam, double threshold) {
        return trainAndTest(new YubinSpamEngine(classifier, threshold), trainHam, trainSpam, testHam, testSpam);
    }

    /**
     * Trains the engine on the training sets (ham, then spam), classifies the warm-up messages
     * untimed (the test set over and over), then classifies the test sets, timed, on the threads.
     */
    public SpamMetrics trainAndTest(SpamEngine engine, List<byte[]> trainHam, List<byte[]> trainSpam,
            List<byte[]> testHam, List<byte[]> testSpam) {
        engine.learn(trainHam, false);
        engine.learn(trainSpam, true);
        List<byte[]> all = new ArrayList<>(testHam);
        all.addAll(testSpam);
        for (int done = 0; done < warmUp && !all.isEmpty(); ) {
            List<byte[]> pass = all.subList(0, Math.min(all.size(), warmUp - done));
            verdicts(pass, engine);
            done += pass.size();
        }
        long start = System.nanoTime();
        boolean[] ham = verdicts(testHam, engine);
        boolean[] spam = verdicts(testSpam, engine);
        long nanos = System.nanoTime() - start;
        int hamAsSpam = count(ham);
        int spamAsSpam = count(spam);
        return new SpamMetrics(engine.decision(), spamAsSpam, spam.length - spamAsSpam, ham.length - hamAsSpam,
                hamAsSpam, (ham.length + spam.length) / (nanos / 1e9), threads);
    }

    private boolean[] verdicts(List<byte[]> messages, SpamEngine engine) {
        boolean[] verdicts = new boolean[messages.size()];
        parallel(messages.size(), i -> verdicts[i] = engine.isSpam(messages.get(i)));
        return verdicts;
    }

    private static int count(boolean[] verdicts) {
        int n = 0;
        for (boolean v : verdicts) {
            if (v) {
                n++;
            }
        }
        return n;
    }

    /**
     * Which messages form a fold. The sets are the directories or mbox files given, each in its
     * order (by name: roughly by date in the SpamAssassin corpus).
     */
    public enum FoldOrder {
        /** Message i of all the sets one after the other is in fold i mod K: its neighbours are learned. */
        INTERLEAVED,
        /**
         * Fold k holds the k-th run of about n/K consecutive messages of each set: a fold is tested
         * on a model that learned none of its neighbours, and every fold has some of every set.
         */
        CONTIGUOUS;

        /** The fold of each message of the sets, in the order of {@link #flatten}. */
        int[] folds(List<List<byte[]>> sets, int folds) {
            int[] out = new int[sets.stream().mapToInt(List::size).sum()];
            int offset = 0;
            for (List<byte[]> set : sets) {
                for (int i = 0; i < set.size(); i++) {
                    out[offset + i] = this == INTERLEAVED ? (offset + i) % folds : (int) ((long) i * folds / set.size());
                }
                offset += set.size();
            }
            return out;
        }
    }

    /**
     * K-fold cross-validation over sets of ham and of spam (one list per directory or mbox): each fold
     * is classified by a model trained on the others. The scores of the ham and the spam of all sets,
     * in the order of {@link #flatten}.
     */
    public Scores crossValidateScores(List<List<byte[]>> hamSets, List<List<byte[]>> spamSets, int folds, FoldOrder order) {
        int size = Math.min(hamSets.stream().mapToInt(List::size).sum(), spamSets.stream().mapToInt(List::size).sum());
        if (folds < 2 || folds > size) {
            throw new IllegalArgumentException("folds must be from 2 to the size of the smaller set, not " + folds);
        }
        return scores(hamSets, spamSets, order.folds(hamSets, folds), order.folds(spamSets, folds), folds);
    }

    /**
     * Leaving one source out: the ham of each source in {@code sources} classified by a model that
     * learned none of it, with a contiguous run of the spam (as many runs as sources); the ham of the
     * sources too small to leave out is learned by every model and classified by none (NaN).
     */
    public Scores leaveSourcesOut(List<List<byte[]>> hamSets, List<List<byte[]>> spamSets, Sources sources) {
        int k = sources.names().size();
        if (k < 2 || k > spamSets.stream().mapToInt(List::size).sum()) {
            throw new IllegalArgumentException("leaving sources out needs at least 2 sources large enough, and as"
                    + " many spam messages; found " + k + " sources");
        }
        return scores(hamSets, spamSets, sources.folds(), FoldOrder.CONTIGUOUS.folds(spamSets, k), k);
    }

    /**
     * Forward validation: the first {@code percent} % of each set (in its order: by name, roughly by
     * date in the SpamAssassin corpus) learned, the rest classified; how mail of a later period fares
     * with a model of an earlier one. The learned messages' scores are NaN.
     */
    public Scores forward(List<List<byte[]>> hamSets, List<List<byte[]>> spamSets, int percent) {
        if (percent < 1 || percent > 99) {
            throw new IllegalArgumentException("the learned part must be from 1 to 99 %, not " + percent);
        }
        return scores(hamSets, spamSets, learnedFirst(hamSets, percent), learnedFirst(spamSets, percent), 1);
    }

    /** Fold 0 for the messages classified, -1 (never a fold) for those learned: the first part of each set. */
    static int[] learnedFirst(List<List<byte[]>> sets, int percent) {
        int[] out = new int[sets.stream().mapToInt(List::size).sum()];
        int offset = 0;
        for (List<byte[]> set : sets) {
            for (int i = 0; i < set.size(); i++) {
                out[offset + i] = (long) i * 100 < (long) set.size() * percent ? -1 : 0;
            }
            offset += set.size();
        }
        return out;
    }

    private Scores scores(List<List<byte[]>> hamSets, List<List<byte[]>> spamSets, int[] hamFolds, int[] spamFolds,
            int folds) {
        List<byte[]> ham = flatten(hamSets);
        List<byte[]> spam = flatten(spamSets);
        List<long[]> hamFeatures = features(ham);
        List<long[]> spamFeatures = features(spam);
        double[] hamScores = new double[ham.size()];
        double[] spamScores = new double[spam.size()];
        Arrays.fill(hamScores, Double.NaN);
        Arrays.fill(spamScores, Double.NaN);
        long nanos = 0;
        for (int fold = 0; fold < folds; fold++) {
            InMemorySpamModel model = new InMemorySpamModel();
            List<Integer> testHam = new ArrayList<>();
            List<Integer> testSpam = new ArrayList<>();
            learnOutside(model, hamFeatures, hamFolds, fold, false, testHam);
            learnOutside(model, spamFeatures, spamFolds, fold, true, testSpam);
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

    static List<byte[]> flatten(List<List<byte[]>> sets) {
        List<byte[]> all = new ArrayList<>();
        sets.forEach(all::addAll);
        return all;
    }

    /** Learns the messages outside the fold and lists the indexes of those in it. */
    private static void learnOutside(SpamModel model, List<long[]> features, int[] folds, int fold, boolean spam,
            List<Integer> inFold) {
        for (int i = 0; i < features.size(); i++) {
            if (folds[i] == fold) {
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
