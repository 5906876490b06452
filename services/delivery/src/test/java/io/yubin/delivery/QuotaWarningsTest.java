package io.yubin.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Which level a delivery crosses (the end-to-end warning mails: QuotaEndToEndTest). */
class QuotaWarningsTest {

    @Test
    void aDeliveryWarnsAtTheHighestLevelItCrossesAndOnlyWhenItCrossesOne() {
        assertThat(QuotaWarnings.crossed(1000, 790, 100)).isEmpty();
        assertThat(QuotaWarnings.crossed(1000, 800, 100)).isEqualTo(OptionalInt.of(80));
        assertThat(QuotaWarnings.crossed(1000, 850, 100)).isEqualTo(OptionalInt.of(80));
        assertThat(QuotaWarnings.crossed(1000, 900, 50)).as("already past 80 before").isEmpty();
        assertThat(QuotaWarnings.crossed(1000, 960, 100)).isEqualTo(OptionalInt.of(95));
        assertThat(QuotaWarnings.crossed(1000, 990, 400)).as("both at once: the higher").isEqualTo(OptionalInt.of(95));
        assertThat(QuotaWarnings.crossed(1000, 1200, 10)).as("over the quota already").isEmpty();
        assertThat(QuotaWarnings.crossed(10_000_000_000L, 8_000_000_000L, 1)).isEqualTo(OptionalInt.of(80));
    }
}
