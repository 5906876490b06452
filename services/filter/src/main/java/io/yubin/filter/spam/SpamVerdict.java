package io.yubin.filter.spam;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The classifier's judgement of one message.
 *
 * @param score from 0 (ham) to 1 (spam); near 0.5 when the evidence is weak or conflicting
 * @param clues the number of the model's features that took part (0: the model knew none of them)
 * @param rules the hand-written rules found in the message ({@link SpamRule})
 */
public record SpamVerdict(double score, int clues, Set<SpamRule> rules) {

    public SpamVerdict {
        rules = rules.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(rules));
    }

    public boolean spam(double threshold) {
        return score >= threshold;
    }
}
