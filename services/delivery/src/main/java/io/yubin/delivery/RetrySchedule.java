package io.yubin.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * When a remote recipient that was deferred is tried again, and when the attempts stop.
 *
 * <p>The delay doubles per attempt from {@code first} up to {@code max}; a recipient still deferred
 * {@code giveUpAfter} after the message arrived fails (RFC 5321 §4.5.4.1: retry for at least 4–5
 * days). The last attempt is made at the give-up time itself, not skipped past it.
 *
 * @param first the delay after the first attempt
 * @param max the longest delay between attempts
 * @param giveUpAfter how long after arrival a deferred recipient becomes FAILED
 */
public record RetrySchedule(Duration first, Duration max, Duration giveUpAfter) {

    /**
     * 5 minutes doubling up to 1 hour (Postfix's minimal and maximal backoff are 300 s and 4000 s;
     * RFC 5321 §4.5.4.1 allows shorter first retries than 30 min when the reason is known), give up
     * after 5 days.
     */
    public static final RetrySchedule DEFAULT = new RetrySchedule(Duration.ofMinutes(5), Duration.ofHours(1),
            Duration.ofDays(5));

    public RetrySchedule {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(giveUpAfter, "giveUpAfter");
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("retry delays must be positive and max >= first, were " + first
                    + " and " + max);
        }
        if (giveUpAfter.isNegative() || giveUpAfter.isZero()) {
            throw new IllegalArgumentException("the give-up time must be positive, was " + giveUpAfter);
        }
    }

    /** The delay after attempt number {@code attempts} (from 1): {@code first * 2^(attempts-1)}, at most max. */
    public Duration delay(int attempts) {
        return DeliveryWorkers.backoff(Math.max(1, attempts), first, max);
    }

    /** When the attempts stop for a message that arrived at {@code arrival}. */
    public Instant giveUpAt(Instant arrival) {
        return arrival.plus(giveUpAfter);
    }

    /**
     * The next attempt after attempt number {@code attempts} ended deferred at {@code now}, never past
     * the give-up time; null when the give-up time has come (the recipient fails).
     */
    public Instant next(int attempts, Instant now, Instant arrival) {
        Instant giveUp = giveUpAt(arrival);
        if (!now.isBefore(giveUp)) {
            return null;
        }
        Instant next = now.plus(delay(attempts));
        return next.isAfter(giveUp) ? giveUp : next;
    }
}
