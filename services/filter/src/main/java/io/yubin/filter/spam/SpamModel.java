package io.yubin.filter.spam;

/**
 * What a trainable spam filter has learned: for each feature, in how many spam and how many ham
 * messages it was seen, and how many messages of each were learned. A global model and one per
 * user; {@link InMemorySpamModel} here, a store-backed one behind the same interface.
 *
 * <p>The counts of a feature come back packed in one {@code long} ({@link #spam(long)},
 * {@link #ham(long)}): a message asks for thousands of features, and one lookup each without an
 * object is what keeps classification above 2,000 messages/s.
 */
public interface SpamModel {

    long spamMessages();

    long hamMessages();

    /** The feature's spam count in the high 32 bits and its ham count in the low 32 bits; 0 when unseen. */
    long counts(long feature);

    /** Counts the message, and each of its features (distinct, as {@link SpamTokenizer} gives them), as spam or ham. */
    void learn(long[] features, boolean spam);

    /** Undoes {@link #learn} of the same features and class; counts never go below zero. */
    void unlearn(long[] features, boolean spam);

    static int spam(long counts) {
        return (int) (counts >>> 32);
    }

    static int ham(long counts) {
        return (int) counts;
    }

    static long pack(int spam, int ham) {
        return ((long) spam << 32) | (ham & 0xffffffffL);
    }
}
