package io.yubin.bench;

/**
 * What one load run measured. Times are nanoseconds from the start of the run (before the first
 * connect). {@code failed} transactions were cut off by a closed connection or the timeout.
 */
record LoadResult(
        long startNanos,
        int sent,
        int accepted,
        int refused,
        int failed,
        int connectionsOpened,
        int connectionsPipelining,
        long wallNanos,
        LatencyStats latency,
        int[] refusalCounts,
        String firstError,
        boolean timedOut) {

    double acceptedPerSecond() {
        return wallNanos == 0 ? 0 : accepted * 1e9 / wallNanos;
    }
}
