package io.yubin.delivery.tlsrpt;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The outcomes of this member's outbound TLS sessions, counted per UTC day, per policy and per kind of
 * failure (RFC 8460 §4.4), for the daily reports {@link TlsReporter} sends. Kept in memory: a restart
 * loses the counts of the day so far, and each cluster member reports its own sessions.
 *
 * <p>Distinct failure details are bounded per policy and day ({@value #MAX_FAILURE_DETAILS}); past
 * that, failures are counted under their result type alone.
 */
public final class TlsResults {

    static final int MAX_FAILURE_DETAILS = 100;

    private final Clock clock;
    private final boolean counting;
    private final ConcurrentSkipListMap<LocalDate, Map<TlsReportPolicy, Counts>> days = new ConcurrentSkipListMap<>();

    /** One kind of failure, as a report's {@code failure-details} entry names it (§4.4). */
    public record Failure(TlsResultType type, String receivingMx, String receivingIp, String reason) {
    }

    /** What one policy saw in a day. */
    public record Summary(long successes, Map<Failure, Long> failures) {
        public Summary {
            failures = Map.copyOf(failures);
        }

        public long failureCount() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final class Counts {
        final LongAdder successes = new LongAdder();
        final Map<Failure, LongAdder> failures = new ConcurrentHashMap<>();

        Summary summary() {
            Map<Failure, Long> copy = new LinkedHashMap<>();
            failures.entrySet().stream().sorted(Comparator.comparing(e -> e.getKey().type()))
                    .forEach(e -> copy.put(e.getKey(), e.getValue().sum()));
            return new Summary(successes.sum(), copy);
        }
    }

    private TlsResults(Clock clock, boolean counting) {
        this.clock = clock;
        this.counting = counting;
    }

    /** Counting, with days in UTC by {@code clock}. */
    public static TlsResults counting(Clock clock) {
        return new TlsResults(clock, true);
    }

    /** Counting nothing: TLS reporting is off. */
    public static TlsResults discarding() {
        return new TlsResults(Clock.systemUTC(), false);
    }

    /**
     * The report of one SMTP session with {@code mx} at {@code ip} under {@code policy}: at most one
     * outcome counts, the first.
     */
    public Session session(TlsReportPolicy policy, String mx, String ip) {
        return new Session(policy, mx, ip);
    }

    /** See {@link #session}. */
    public final class Session {
        private final TlsReportPolicy policy;
        private final String mx;
        private final String ip;
        private boolean reported;

        private Session(TlsReportPolicy policy, String mx, String ip) {
            this.policy = policy;
            this.mx = mx;
            this.ip = ip;
        }

        /** TLS was negotiated, and the certificate passed what the policy asks. */
        public void succeeded() {
            if (!reported) {
                reported = true;
                success(policy);
            }
        }

        public void failed(TlsResultType type, String reason) {
            if (!reported) {
                reported = true;
                failure(policy, new Failure(type, mx, ip, reason));
            }
        }

        /**
         * The handshake failed, or (MTA-STS testing) the certificate would have failed: under DANE the
         * TLSA records decide alone (§4.3.1 validation-failure), else {@link TlsResultType#of}.
         */
        public void failed(Throwable failure) {
            failed(policy.type() == TlsReportPolicy.Type.TLSA ? TlsResultType.VALIDATION_FAILURE
                    : TlsResultType.of(failure), String.valueOf(failure.getMessage()));
        }
    }

    /** A TLS session negotiated under {@code policy}. */
    public void success(TlsReportPolicy policy) {
        if (counting) {
            counts(policy).successes.increment();
        }
    }

    /** A session under {@code policy} that failed, or could not be had, for {@code failure}. */
    public void failure(TlsReportPolicy policy, Failure failure) {
        if (!counting) {
            return;
        }
        Counts counts = counts(policy);
        Failure key = counts.failures.containsKey(failure) || counts.failures.size() < MAX_FAILURE_DETAILS
                ? failure : new Failure(failure.type(), null, null, null);
        counts.failures.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    private Counts counts(TlsReportPolicy policy) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        return days.computeIfAbsent(today, d -> new ConcurrentHashMap<>()).computeIfAbsent(policy, p -> new Counts());
    }

    /** The days before today (UTC) that have counts, oldest first. */
    public List<LocalDate> finishedDays() {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        return new ArrayList<>(days.headMap(today).keySet());
    }

    /** What {@code day} counted, per policy; forgotten here. */
    public Map<TlsReportPolicy, Summary> take(LocalDate day) {
        return summaries(days.remove(day));
    }

    /** What today counted so far, per policy (the admin view, tests). */
    public Map<TlsReportPolicy, Summary> today() {
        return summaries(days.get(LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC)));
    }

    private static Map<TlsReportPolicy, Summary> summaries(Map<TlsReportPolicy, Counts> counted) {
        Map<TlsReportPolicy, Summary> summaries = new LinkedHashMap<>();
        if (counted != null) {
            counted.forEach((policy, counts) -> summaries.put(policy, counts.summary()));
        }
        return summaries;
    }
}
