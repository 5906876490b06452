package io.yubin.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void readsBackTheTimeAnIdWasMadeAt() {
        long millis = 1_760_000_000_123L;
        assertThat(Ids.epochMillis(Ids.timeOrdered(millis))).hasValue(millis);
        assertThat(Ids.epochMillis("i" + Ids.timeOrdered(millis)).isPresent()).isFalse();
        assertThat(Ids.epochMillis(Ids.timeOrdered(millis).substring(0, 9)).isPresent()).isFalse();
    }
}
