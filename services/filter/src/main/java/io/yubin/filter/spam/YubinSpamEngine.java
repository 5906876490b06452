package io.yubin.filter.spam;

import java.util.List;
import java.util.Locale;

/** Yubin's classifier as a {@link SpamEngine}: one in-memory model, spam at a score at or above the threshold. */
public final class YubinSpamEngine implements SpamEngine {

    private final SpamClassifier classifier;
    private final InMemorySpamModel model = new InMemorySpamModel();
    private final double threshold;

    public YubinSpamEngine(SpamClassifier classifier, double threshold) {
        this.classifier = classifier;
        this.threshold = threshold;
    }

    @Override
    public String decision() {
        return decision(threshold);
    }

    static String decision(double threshold) {
        return String.format(Locale.ROOT, "score >= %.3f", threshold);
    }

    /** Tokenizes on the common pool (the model learns one message at a time). */
    @Override
    public void learn(List<byte[]> messages, boolean spam) {
        List<long[]> features = messages.parallelStream().map(classifier::features).toList();
        for (long[] f : features) {
            model.learn(f, spam);
        }
    }

    @Override
    public boolean isSpam(byte[] message) {
        return classifier.classify(message, model).spam(threshold);
    }
}
