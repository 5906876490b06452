package io.yubin.smtp;

import io.yubin.model.MailAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How much an authenticated user may send (docs/outbound.md, "Sending limits"): messages per hour,
 * recipients per message and recipients per day, each with per-domain and per-user overrides. A
 * compromised account then sends a bounded amount of spam before someone notices, which protects
 * the domain's reputation. The counts are kept in this process's memory: per cluster member, not
 * cluster-wide, and forgotten at a restart.
 *
 * <p>Only accepted messages count: a message counts once its 250 is given, with its number of
 * recipients, in sliding windows of one hour and one day.
 */
public final class SendingLimits {

    static final Duration HOUR = Duration.ofHours(1);
    static final Duration DAY = Duration.ofDays(1);

    /**
     * One user's limits; 0 means no limit.
     *
     * @param messagesPerHour messages accepted in any hour
     * @param recipientsPerMessage recipients of one message
     * @param recipientsPerDay recipients of all messages accepted in any 24 hours
     */
    public record Limits(int messagesPerHour, int recipientsPerMessage, int recipientsPerDay) {

        public static final Limits NONE = new Limits(0, 0, 0);

        public Limits {
            if (messagesPerHour < 0 || recipientsPerMessage < 0 || recipientsPerDay < 0) {
                throw new IllegalArgumentException("sending limits must not be negative");
            }
        }
    }

    /** Why a MAIL or RCPT is refused; null means go ahead. */
    record Refusal(SmtpReply reply, String log) {
    }

    private final Limits defaults;
    /** By user address (canonical) or domain (A-label), lower case. */
    private final Map<String, Limits> overrides;
    private final Clock clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    /**
     * @param defaults every user's limits
     * @param overrides limits by user address ({@code alice@example.org}) or domain ({@code example.org});
     *     a user's entry wins over its domain's
     */
    public SendingLimits(Limits defaults, Map<String, Limits> overrides, Clock clock) {
        this.defaults = Objects.requireNonNull(defaults);
        this.overrides = Map.copyOf(overrides);
        this.clock = Objects.requireNonNull(clock);
    }

    /** No limits at all. */
    public static SendingLimits none() {
        return new SendingLimits(Limits.NONE, Map.of(), Clock.systemUTC());
    }

    /** The limits that apply to {@code user}. */
    public Limits limitsFor(MailAddress user) {
        Limits own = overrides.get(user.canonical().toLowerCase(Locale.ROOT));
        if (own != null) {
            return own;
        }
        return overrides.getOrDefault(user.domain().ascii(), defaults);
    }

    /** At MAIL: refused when the user's messages of the last hour reached the limit. */
    Refusal checkMessage(MailAddress user) {
        int limit = limitsFor(user).messagesPerHour();
        if (limit == 0) {
            return null;
        }
        int sent = window(user).messagesSince(clock.instant().minus(HOUR));
        if (sent < limit) {
            return null;
        }
        return new Refusal(new SmtpReply(450, "4.7.1", "Sending limit reached: at most " + limit
                + " messages per hour, try again later"),
                "sending limit: " + user + " sent " + sent + " messages in the last hour (limit " + limit + ")");
    }

    /** At RCPT, with {@code accepted} recipients already accepted in this transaction. */
    Refusal checkRecipient(MailAddress user, int accepted) {
        Limits limits = limitsFor(user);
        if (limits.recipientsPerMessage() > 0 && accepted >= limits.recipientsPerMessage()) {
            // RFC 5321 §4.5.3.1.10: 452 for too many recipients; the client sends the rest in another transaction
            return new Refusal(new SmtpReply(452, "4.5.3", "Too many recipients: at most "
                    + limits.recipientsPerMessage() + " per message"),
                    "sending limit: " + user + " gave more than " + limits.recipientsPerMessage()
                            + " recipients for one message");
        }
        if (limits.recipientsPerDay() > 0) {
            int sent = window(user).recipientsSince(clock.instant().minus(DAY));
            if (sent + accepted >= limits.recipientsPerDay()) {
                return new Refusal(new SmtpReply(450, "4.7.1", "Sending limit reached: at most "
                        + limits.recipientsPerDay() + " recipients per day, try again later"),
                        "sending limit: " + user + " sent to " + sent + " recipients in the last 24 hours and "
                                + accepted + " more in this message (limit " + limits.recipientsPerDay() + ")");
            }
        }
        return null;
    }

    /** A message of {@code user} to {@code recipients} recipients was accepted. */
    void accepted(MailAddress user, int recipients) {
        Limits limits = limitsFor(user);
        if (limits.messagesPerHour() == 0 && limits.recipientsPerDay() == 0) {
            return;
        }
        window(user).add(clock.instant(), recipients);
    }

    private Window window(MailAddress user) {
        return windows.computeIfAbsent(user.canonical().toLowerCase(Locale.ROOT), u -> new Window());
    }

    /** One user's accepted messages of the last day: when, and how many recipients. */
    private static final class Window {
        private record Sent(Instant at, int recipients) {
        }

        private final Deque<Sent> sent = new ArrayDeque<>();

        synchronized void add(Instant at, int recipients) {
            sent.addLast(new Sent(at, recipients));
        }

        synchronized int messagesSince(Instant since) {
            prune(since.minus(DAY).plus(HOUR));
            return (int) sent.stream().filter(s -> s.at().isAfter(since)).count();
        }

        synchronized int recipientsSince(Instant since) {
            prune(since);
            return sent.stream().mapToInt(Sent::recipients).sum();
        }

        /** Drops what is older than a day: nothing asks further back. */
        private void prune(Instant dayAgo) {
            while (!sent.isEmpty() && !sent.peekFirst().at().isAfter(dayAgo)) {
                sent.removeFirst();
            }
        }
    }
}
