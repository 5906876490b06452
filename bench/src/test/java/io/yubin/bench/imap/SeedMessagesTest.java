package io.yubin.bench.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SeedMessagesTest {

    @Test
    void aMessageDependsOnlyOnUserAndNumber() {
        assertThat(SeedMessages.message(3, 17)).isEqualTo(SeedMessages.message(3, 17));
        assertThat(SeedMessages.message(3, 17)).isNotEqualTo(SeedMessages.message(4, 17));
        assertThat(SeedMessages.flags(3, 17)).isEqualTo(SeedMessages.flags(3, 17));
    }

    @Test
    void isCrlfTextOfTwoToSixKibWithShortLines() {
        for (int n = 0; n < 200; n++) {
            byte[] m = SeedMessages.message(1, n);
            assertThat(m.length).isBetween(2048, 6144 + 80);
            String text = new String(m, StandardCharsets.US_ASCII);
            assertThat(text).endsWith("\r\n").doesNotContain("\r\r").contains("Message-ID: <" + n + ".1@seed.bench.test>");
            for (String line : text.split("\r\n")) {
                assertThat(line.length()).isLessThan(78);
                assertThat(line).doesNotContain("\n");
            }
        }
    }

    @Test
    void internalDatesFollowRfc9051DateTime() {
        assertThat(SeedMessages.internalDate(0)).isEqualTo("\"01-Jan-2024 00:00:00 +0000\"");
        assertThat(SeedMessages.internalDate(61)).isEqualTo("\"01-Jan-2024 01:01:00 +0000\"");
    }
}
