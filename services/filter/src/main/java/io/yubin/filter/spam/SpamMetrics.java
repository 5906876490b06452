package io.yubin.filter.spam;

import java.util.Locale;

/**
 * How a spam engine did on a test set at one decision (a threshold): the confusion matrix, and how fast it
 * classified (raw message octets to verdict, tokenizing included, after a warm-up).
 *
 * @param decision when the engine called a message spam, e.g. "score >= 0.400"
 * @param spamAsSpam true positives
 * @param spamAsHam false negatives
 * @param hamAsHam true negatives
 * @param hamAsSpam false positives
 * @param messagesPerSecond test messages classified per second of wall time on {@code threads} threads
 */
public record SpamMetrics(String decision, int spamAsSpam, int spamAsHam, int hamAsHam, int hamAsSpam,
        double messagesPerSecond, int threads) {

    /** Of the messages called spam, the share that is spam. */
    public double precision() {
        int calledSpam = spamAsSpam + hamAsSpam;
        return calledSpam == 0 ? 1 : (double) spamAsSpam / calledSpam;
    }

    /** Of the spam, the share called spam. */
    public double recall() {
        int spam = spamAsSpam + spamAsHam;
        return spam == 0 ? 0 : (double) spamAsSpam / spam;
    }

    /** Of the ham, the share called spam. */
    public double hamFalsePositiveRate() {
        int ham = hamAsHam + hamAsSpam;
        return ham == 0 ? 0 : (double) hamAsSpam / ham;
    }

    public String report() {
        int spam = spamAsSpam + spamAsHam;
        int ham = hamAsHam + hamAsSpam;
        return String.format(Locale.ROOT, """
                spam when %s
                                 called spam  called ham
                spam %8d     %10d  %10d
                ham  %8d     %10d  %10d
                precision %.4f  recall %.4f  ham false positives %.2f %% (%d of %d)
                classification %.0f messages/s (%d threads, raw octets to verdict, after any warm-up)
                """, decision, spam, spamAsSpam, spamAsHam, ham, hamAsSpam, hamAsHam,
                precision(), recall(), 100 * hamFalsePositiveRate(), hamAsSpam, ham, messagesPerSecond, threads);
    }
}
