package io.yubin.bench.imap;

import io.yubin.bench.LatencyStats;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Latencies by command type: one per client while it runs, merged at the end. */
final class Tally {

    /** At most this many samples per type and client (10 clients at 10,000 commands/s for 30 s fit). */
    static final int MAX_SAMPLES = 4_000_000;

    private final Map<String, long[]> samples = new LinkedHashMap<>();
    private final Map<String, Integer> counts = new LinkedHashMap<>();
    long expungeIssued;

    void record(String type, long nanos) {
        int n = counts.getOrDefault(type, 0);
        if (n == MAX_SAMPLES) {
            return;
        }
        long[] s = samples.get(type);
        if (s == null || s.length == n) {
            s = s == null ? new long[1024] : Arrays.copyOf(s, Math.min(MAX_SAMPLES, s.length * 2));
            samples.put(type, s);
        }
        s[n] = nanos;
        counts.put(type, n + 1);
    }

    int count(String type) {
        return counts.getOrDefault(type, 0);
    }

    /** Merges the clients' tallies: exact nearest-rank percentiles per type. */
    static Map<String, LatencyStats> merge(List<Tally> tallies, List<String> order) {
        Map<String, LatencyStats> merged = new LinkedHashMap<>();
        for (String type : order) {
            int total = tallies.stream().mapToInt(t -> t.count(type)).sum();
            LatencyStats stats = new LatencyStats(total);
            for (Tally t : tallies) {
                long[] s = t.samples.get(type);
                for (int i = 0; i < t.count(type); i++) {
                    stats.record(s[i]);
                }
            }
            merged.put(type, stats);
        }
        return merged;
    }
}
