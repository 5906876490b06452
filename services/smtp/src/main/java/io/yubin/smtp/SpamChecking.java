package io.yubin.smtp;

import io.yubin.filter.spam.SpamFilter;
import io.yubin.filter.spam.SpamThresholds;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The spam filter at the end of data of mail from outside (docs/filtering.md): the score goes into an
 * {@code X-Spam-Status} field, and a score at or above the reject threshold of every recipient refuses
 * the message with {@code 550 5.7.1}.
 *
 * @param worker where the message is read and tokenized
 * @param lists the DNS lists asked about the message for its features; null for none
 */
public record SpamChecking(SpamFilter filter, SpamThresholds thresholds, Executor worker, SpamLists lists) {

    /** Without DNS lists. */
    public SpamChecking(SpamFilter filter, SpamThresholds thresholds, Executor worker) {
        this(filter, thresholds, worker, null);
    }

    public SpamChecking {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(thresholds, "thresholds");
        Objects.requireNonNull(worker, "worker");
    }
}
