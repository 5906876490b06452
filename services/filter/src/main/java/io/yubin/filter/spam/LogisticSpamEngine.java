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
    // Each feature's weight, as the bits of a float.
    private final FeatureMap weights = new FeatureMap(1 << 16);
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
        return Float.intBitsToFloat((int) weights.get(feature));
    }

    private void add(long feature, float delta) {
        weights.put(feature, Float.floatToRawIntBits(weight(feature) + delta) & 0xffffffffL);
    }
}
