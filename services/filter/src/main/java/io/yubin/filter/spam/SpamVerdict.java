package io.yubin.filter.spam;

/**
 * The classifier's judgement of one message.
 *
 * @param score from 0 (ham) to 1 (spam); near 0.5 when the evidence is weak or conflicting
 * @param clues the number of features that took part (0: the model knew none of them)
 */
public record SpamVerdict(double score, int clues) {

    public boolean spam(double threshold) {
        return score >= threshold;
    }
}
