package io.yubin.smtp;

import io.yubin.model.MailAddress;
import io.yubin.queue.SendingEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How much an authenticated user may send (docs/outbound.md, "Sending limits"): messages per hour,
 * recipients per message and recipients per day, each with per-domain and per-user overrides. A
 * compromised account then sends a bounded amount of spam before someone notices, which protects
 * the domain's reputation. The counts are kept in this process's memory and forgotten at a restart;
 * with {@link SendingEvents} (Hazelcast in a cluster) each accepted message is published and every
 * member counts what the user sent through any member, moments after it was accepted.
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
    /** Null when the counts stay in this process. */
    private final SendingEvents events;
    /** This instance's name on the events: it counted its own messages when it accepted them. */
    private final String origin = UUID.randomUUID().toString();
    private final AutoCloseable subscription;

    /**
     * @param defaults every user's limits
     * @param overrides limits by user address ({@code alice@example.org}) or domain ({@code example.org});
     *     a user's entry wins over its domain's
     */
    public SendingLimits(Limits defaults, Map<String, Limits> overrides, Clock clock) {
        this(defaults, overrides, clock, null);
    }

    /**
     * Counting what every member that shares {@code events} accepts.
     *
     * @param events the cluster's sending events; null to count in this process only
     */
    public SendingLimits(Limits defaults, Map<String, Limits> overrides, Clock clock, SendingEvents events) {
        this.defaults = Objects.requireNonNull(defaults);
        this.overrides = Map.copyOf(overrides);
        this.clock = Objects.requireNonNull(clock);
        this.events = events;
        this.subscription = events == null ? null : events.subscribe(this::counted);
    }

    /** A message another member accepted; this one's own are counted already. */
    private void counted(SendingEvents.Sent sent) {
        if (!sent.origin().equals(origin)) {
            windows.computeIfAbsent(sent.user(), u -> new Window()).add(sent.at(), sent.recipients());
        }
    }

    /** Stops counting other members' messages. */
    public void close() {
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
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
        Instant now = clock.instant();
        window(user).add(now, recipients);
        if (events != null) {
            events.publish(new SendingEvents.Sent(user.canonical().toLowerCase(Locale.ROOT), now, recipients, origin));
        }
    }

    private Window window(MailAddress user) {
        return windows.computeIfAbsent(user.canonical().toLowerCase(Locale.ROOT), u -> new Window());
    }

    /** One user's accepted messages of the last day: when, and how many recipients. */
    private static final class Window {
        private record Sent(Instant at, int recipients) {
        }

        private final Deque<Sent> sent = new ArrayDeque<>();

        /** In time order: another member's message may arrive after a later one of this member. */
        synchronized void add(Instant at, int recipients) {
            Sent added = new Sent(at, recipients);
            if (sent.isEmpty() || !sent.peekLast().at().isAfter(at)) {
                sent.addLast(added);
                return;
            }
            java.util.List<Sent> later = new java.util.ArrayList<>();
            while (!sent.isEmpty() && sent.peekLast().at().isAfter(at)) {
                later.add(0, sent.removeLast());
            }
            sent.addLast(added);
            sent.addAll(later);
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
