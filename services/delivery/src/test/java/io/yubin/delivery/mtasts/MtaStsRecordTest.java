package io.yubin.delivery.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MtaStsRecordTest {

    @Test
    void readsTheIdOfTheRfcExample() {
        assertThat(MtaStsRecord.parse("v=STSv1; id=20160831085700Z;")).isEqualTo(new MtaStsRecord("20160831085700Z"));
        assertThat(MtaStsRecord.parse("v=STSv1;id=abc")).isEqualTo(new MtaStsRecord("abc"));
        assertThat(MtaStsRecord.parse("v=STSv1 ; id=abc ; ext_1=x-y")).isEqualTo(new MtaStsRecord("abc"));
    }

    @Test
    void refusesBadRecords() {
        assertThat(MtaStsRecord.parse("v=STSv1;")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv1")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv2; id=abc;")).isNull();
        assertThat(MtaStsRecord.parse(" v=STSv1; id=abc;")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv1; id=has-dash;")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv1; id=" + "a".repeat(33) + ";")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv1; id=a; id=b;")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv1;; id=a")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv1; id=a; junk")).isNull();
        assertThat(MtaStsRecord.parse("v=STSv1; id=a; ext=a=b")).isNull();
    }

    @Test
    void exactlyOneStsRecordAmongTheTxtRecords() {
        assertThat(MtaStsRecord.select(List.of("some other text", "v=STSv1; id=one;")))
                .isEqualTo(new MtaStsRecord("one"));
        assertThat(MtaStsRecord.select(List.of("v=STSv1; id=one;", "v=STSv1; id=two;"))).isNull();
        assertThat(MtaStsRecord.select(List.of("v=STSv1; id=one;", "v=STSv1; broken"))).isNull();
        assertThat(MtaStsRecord.select(List.of("v=STSv10; id=one;"))).isNull();
        assertThat(MtaStsRecord.select(List.of())).isNull();
    }

    @Property
    void neverFailsOnAnyText(@ForAll String text) {
        MtaStsRecord record = MtaStsRecord.parse(text);
        if (record != null) {
            assertThat(record.id()).matches("[A-Za-z0-9]{1,32}");
        }
    }
}
