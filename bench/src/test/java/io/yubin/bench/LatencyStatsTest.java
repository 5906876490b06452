package io.yubin.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void givesNearestRankPercentilesOfUnsortedSamples() {
        LatencyStats stats = new LatencyStats(1000);
        for (int i = 1000; i >= 1; i--) {
            stats.record(i);
        }
        assertThat(stats.percentile(50)).isEqualTo(500);
        assertThat(stats.percentile(90)).isEqualTo(900);
        assertThat(stats.percentile(99)).isEqualTo(990);
        assertThat(stats.percentile(99.9)).isEqualTo(999);
        assertThat(stats.percentile(100)).isEqualTo(1000);
        assertThat(stats.max()).isEqualTo(1000);
    }

    @Test
    void roundsTheRankUpForSmallSampleCounts() {
        LatencyStats stats = new LatencyStats(10);
        for (long v : new long[] {7, 3, 9, 1, 5, 10, 2, 8, 4, 6}) {
            stats.record(v);
        }
        assertThat(stats.percentile(50)).isEqualTo(5);
        assertThat(stats.percentile(51)).isEqualTo(6);
        assertThat(stats.percentile(99)).isEqualTo(10);
        assertThat(stats.percentile(1)).isEqualTo(1);
    }

    @Test
    void givesTheOnlySampleForEveryPercentile() {
        LatencyStats stats = new LatencyStats(1);
        stats.record(42);
        assertThat(stats.percentile(1)).isEqualTo(42);
        assertThat(stats.percentile(99)).isEqualTo(42);
        assertThat(stats.max()).isEqualTo(42);
    }

    @Test
    void givesZeroWithoutSamples() {
        LatencyStats stats = new LatencyStats(5);
        assertThat(stats.percentile(99)).isZero();
        assertThat(stats.max()).isZero();
        assertThat(stats.count()).isZero();
    }

    @Test
    void takesSamplesRecordedAfterAPercentileWasRead() {
        LatencyStats stats = new LatencyStats(3);
        stats.record(5);
        assertThat(stats.max()).isEqualTo(5);
        stats.record(1);
        stats.record(9);
        assertThat(stats.percentile(50)).isEqualTo(5);
        assertThat(stats.max()).isEqualTo(9);
    }

    @Test
    void refusesAPercentileOutsideZeroToHundred() {
        LatencyStats stats = new LatencyStats(1);
        assertThatThrownBy(() -> stats.percentile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> stats.percentile(100.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesMoreSamplesThanItsCapacity() {
        LatencyStats stats = new LatencyStats(1);
        stats.record(1);
        assertThatThrownBy(() -> stats.record(2)).isInstanceOf(IllegalStateException.class);
    }
}
