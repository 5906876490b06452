package io.yubin.delivery.mtasts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class MtaStsPolicyTest {

    @Test
    void parsesThePolicyOfTheRfcWithCrlfLines() {
        MtaStsPolicy policy = MtaStsPolicy.parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                + "mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n");

        assertThat(policy.mode()).isEqualTo(MtaStsPolicy.Mode.ENFORCE);
        assertThat(policy.mx()).containsExactly("mail.example.com", "*.example.net", "backupmx.example.com");
        assertThat(policy.maxAge()).isEqualTo(Duration.ofSeconds(604800));
    }

    @Test
    void parsesLfLinesWithoutTheLastNewLineAndIgnoresUnknownKeys() {
        MtaStsPolicy policy = MtaStsPolicy.parse("version: STSv1\nmode:testing\nfuture_key: x\nmx: MX.Example.COM\n"
                + "max_age: 86400");

        assertThat(policy.mode()).isEqualTo(MtaStsPolicy.Mode.TESTING);
        assertThat(policy.mx()).containsExactly("mx.example.com");
    }

    @Test
    void capsMaxAgeAtAboutAYear() {
        MtaStsPolicy policy = MtaStsPolicy.parse("version: STSv1\nmode: none\nmax_age: 9999999999\n");

        assertThat(policy.maxAge()).isEqualTo(Duration.ofSeconds(31_557_600));
        assertThat(policy.mx()).isEmpty();
    }

    @Test
    void refusesAWrongOrMissingVersion() {
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n"))
                .hasMessageContaining("version");
        assertThatThrownBy(() -> MtaStsPolicy.parse("mode: enforce\nmx: a.example\nmax_age: 1\n"))
                .hasMessageContaining("version");
    }

    @Test
    void refusesBadLinesModesAgesAndPatterns() {
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nthis is not a field\n"))
                .hasMessageContaining("key: value");
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n"))
                .hasMessageContaining("mode");
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n"))
                .hasMessageContaining("max_age");
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.example\n"))
                .hasMessageContaining("max_age");
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmax_age: 60\n"))
                .hasMessageContaining("no mx");
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 60\n"))
                .hasMessageContaining("mx pattern");
        assertThatThrownBy(() -> MtaStsPolicy.parse("version: STSv1\nmode: enforce\nmx: *\nmax_age: 60\n"))
                .hasMessageContaining("mx pattern");
    }

    @Test
    void aWildcardMatchesExactlyOneLeftmostLabel() {
        MtaStsPolicy policy = new MtaStsPolicy(MtaStsPolicy.Mode.ENFORCE, List.of("*.example.com", "mx.example.org"),
                Duration.ofDays(1));

        assertThat(policy.matches("mx1.example.com")).isTrue();
        assertThat(policy.matches("MX1.Example.Com.")).isTrue();
        assertThat(policy.matches("example.com")).isFalse();
        assertThat(policy.matches("a.b.example.com")).isFalse();
        assertThat(policy.matches("mx1.example.com.evil.test")).isFalse();
        assertThat(policy.matches("mx.example.org")).isTrue();
        assertThat(policy.matches("x.mx.example.org")).isFalse();
    }

    @Property
    void anyTextParsesOrIsRefusedWithAReason(@ForAll @StringLength(max = 300) String text) {
        try {
            MtaStsPolicy policy = MtaStsPolicy.parse(text);
            assertThat(policy.maxAge().getSeconds()).isBetween(0L, MtaStsPolicy.MAX_AGE_LIMIT);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
