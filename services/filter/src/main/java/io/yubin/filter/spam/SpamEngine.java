package io.yubin.filter.spam;

import java.util.List;

/**
 * A spam filter that {@link SpamEvaluation} trains and tests: Yubin's classifier
 * ({@link YubinSpamEngine}), or another filter through its own protocol
 * ({@code io.yubin.filter.spam.spamd}, {@code io.yubin.filter.spam.rspamd}), so that all are
 * measured by the same code. {@link #isSpam} is called from several threads at once.
 */
public interface SpamEngine extends AutoCloseable {

    /** When this engine calls a message spam, as the report states it (e.g. "score >= 0.400"). */
    String decision();

    /** Learns the messages as spam or as ham. */
    void learn(List<byte[]> messages, boolean spam);

    /** Whether the engine calls the message spam. */
    boolean isSpam(byte[] message);

    @Override
    default void close() {
    }
}
