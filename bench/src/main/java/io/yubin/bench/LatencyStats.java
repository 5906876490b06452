package io.yubin.bench;

import java.util.Arrays;

/**
 * Exact latency percentiles over a bounded number of samples: a preallocated array, sorted once
 * at the end. Nearest-rank method: the p-th percentile is the smallest sample with at least p% of
 * the samples at or below it.
 */
public final class LatencyStats {

    private final long[] samples;
    private int count;
    private boolean sorted;

    public LatencyStats(int capacity) {
        samples = new long[capacity];
    }

    public void record(long nanos) {
        if (count == samples.length) {
            throw new IllegalStateException("more samples than the " + samples.length + " expected");
        }
        samples[count++] = nanos;
        sorted = false;
    }

    public int count() {
        return count;
    }

    /** The nearest-rank percentile, {@code 0 < p <= 100}; 0 when there are no samples. */
    public long percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100]: " + p);
        }
        if (count == 0) {
            return 0;
        }
        sort();
        int rank = (int) Math.ceil(p * count / 100.0);
        return samples[Math.max(rank, 1) - 1];
    }

    public long max() {
        if (count == 0) {
            return 0;
        }
        sort();
        return samples[count - 1];
    }

    private void sort() {
        if (!sorted) {
            Arrays.sort(samples, 0, count);
            sorted = true;
        }
    }
}
