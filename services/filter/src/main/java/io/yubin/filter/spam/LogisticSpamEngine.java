package io.yubin.filter.spam;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A measured alternative to the server's classifier, in the harness only ({@code yubin spam eval
 * --engine logistic}): logistic regression over the same features ({@link SpamTokenizer}) but the
 * header field names, which tie a logistic model to the sources it learned, trained in
 * bulk by stochastic gradient descent on the log loss (step 0.05, 5 passes over the training messages
 * in an order shuffled per pass, seeded), spam at σ(bias + Σ weights) at or above the threshold.
 * What it is given to learn it learns at once, before the first message it classifies. Its figures
 * against the naive Bayes of {@link SpamClassifier} are in docs/filtering.md.
 */
public final class LogisticSpamEngine implements SpamEngine {

    private static final float RATE = 0.05f;
    private static final int EPOCHS = 5;

    private final SpamTokenizer tokenizer = new SpamTokenizer(false);
    private final double threshold;
    private final List<long[]> pending = new ArrayList<>();
    private final List<Boolean> pendingSpam = new ArrayList<>();
    // An open-addressing map from a feature (never 0 here: 0 marks an empty slot) to its weight.
    private long[] keys = new long[1 << 16];
    private float[] weights = new float[1 << 16];
    private float zeroWeight;
    private int size;
    private double bias;

    public LogisticSpamEngine(double threshold) {
        this.threshold = threshold;
    }

    @Override
    public String decision() {
        return String.format(Locale.ROOT, "logistic score >= %.3f", threshold);
    }

    @Override
    public synchronized void learn(List<byte[]> messages, boolean spam) {
        List<long[]> features = messages.parallelStream().map(tokenizer::features).toList();
        pending.addAll(features);
        features.forEach(f -> pendingSpam.add(spam));
    }

    @Override
    public boolean isSpam(byte[] message) {
        train();
        return score(tokenizer.features(message)) >= threshold;
    }

    /** σ(bias + the weights of the features). */
    double score(long[] features) {
        double z = bias;
        for (long f : features) {
            z += weight(f);
        }
        return 1 / (1 + Math.exp(-z));
    }

    private synchronized void train() {
        int n = pending.size();
        if (n == 0) {
            return;
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(n);
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int i : order) {
                long[] features = pending.get(i);
                float delta = (float) (RATE * ((pendingSpam.get(i) ? 1 : 0) - score(features)));
                for (long f : features) {
                    add(f, delta);
                }
                bias += delta;
            }
        }
        pending.clear();
        pendingSpam.clear();
    }

    private float weight(long feature) {
        if (feature == 0) {
            return zeroWeight;
        }
        int mask = keys.length - 1;
        for (int i = slot(feature, mask); keys[i] != 0; i = (i + 1) & mask) {
            if (keys[i] == feature) {
                return weights[i];
            }
        }
        return 0;
    }

    private void add(long feature, float delta) {
        if (feature == 0) {
            zeroWeight += delta;
            return;
        }
        int mask = keys.length - 1;
        int i = slot(feature, mask);
        while (keys[i] != 0 && keys[i] != feature) {
            i = (i + 1) & mask;
        }
        if (keys[i] == 0) {
            keys[i] = feature;
            if (++size * 2 > keys.length) {
                weights[i] = delta;
                grow();
                return;
            }
        }
        weights[i] += delta;
    }

    private void grow() {
        long[] oldKeys = keys;
        float[] oldWeights = weights;
        keys = new long[oldKeys.length * 2];
        weights = new float[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != 0) {
                int i = slot(oldKeys[j], mask);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                weights[i] = oldWeights[j];
            }
        }
    }

    private static int slot(long feature, int mask) {
        return (int) (feature ^ (feature >>> 32)) & mask;
    }
}
