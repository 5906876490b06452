package io.yubin.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    private static final Instant ARRIVAL = Instant.parse("2026-12-01T00:00:00Z");
    private final RetrySchedule schedule = new RetrySchedule(Duration.ofMinutes(5), Duration.ofHours(1),
            Duration.ofDays(5));

    @Test
    void theDelayDoublesPerAttemptUpToTheMaximum() {
        assertThat(schedule.delay(1)).isEqualTo(Duration.ofMinutes(5));
        assertThat(schedule.delay(2)).isEqualTo(Duration.ofMinutes(10));
        assertThat(schedule.delay(4)).isEqualTo(Duration.ofMinutes(40));
        assertThat(schedule.delay(5)).isEqualTo(Duration.ofHours(1));
        assertThat(schedule.delay(500)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void theNextAttemptIsNeverPastTheGiveUpTimeAndThereIsNoneFromIt() {
        Instant now = ARRIVAL.plus(Duration.ofMinutes(20));
        assertThat(schedule.next(3, now, ARRIVAL)).isEqualTo(now.plus(Duration.ofMinutes(20)));
        Instant late = ARRIVAL.plus(Duration.ofDays(5)).minusSeconds(60);
        assertThat(schedule.next(100, late, ARRIVAL)).isEqualTo(ARRIVAL.plus(Duration.ofDays(5)));
        assertThat(schedule.next(101, ARRIVAL.plus(Duration.ofDays(5)), ARRIVAL)).isNull();
    }

    @Test
    void refusesSchedulesThatCannotWork() {
        assertThatThrownBy(() -> new RetrySchedule(Duration.ZERO, Duration.ofHours(1), Duration.ofDays(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(Duration.ofHours(2), Duration.ofHours(1), Duration.ofDays(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
