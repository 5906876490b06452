package io.yubin.mailauth.authres;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.dkim.DkimResult;
import io.yubin.mailauth.dkim.DkimStatus;
import io.yubin.mailauth.dmarc.DmarcPolicy;
import io.yubin.mailauth.dmarc.DmarcRecord;
import io.yubin.mailauth.dmarc.DmarcResult;
import io.yubin.mailauth.dmarc.DmarcStatus;
import io.yubin.mailauth.spf.SpfIdentity;
import io.yubin.mailauth.spf.SpfResult;
import io.yubin.mailauth.spf.SpfStatus;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ResultsHeaderTest {

    static final SpfResult SPF = new SpfResult(SpfStatus.PASS, SpfIdentity.MAILFROM, "bounce@example.com",
            "example.com", Optional.empty(), "matched ip4");
    static final DkimResult DKIM = new DkimResult(DkimStatus.PASS, "", "example.com", "sel", "rsa-sha256",
            "@example.com", "ab+/cd==", OptionalLong.empty(), false);
    static final DmarcResult DMARC = new DmarcResult(DmarcStatus.FAIL, "example.com",
            DmarcRecord.parse("v=DMARC1; p=reject; sp=none; pct=50"), DmarcPolicy.REJECT, DmarcPolicy.QUARANTINE,
            "no aligned SPF or DKIM pass");

    @Test
    void writesOneFieldWithEveryMethodOnItsOwnLine() {
        String field = ResultsHeader.field("mx.example.net", SPF, List.of(DKIM), DMARC);

        assertThat(field).isEqualTo("Authentication-Results: mx.example.net;\r\n"
                + "\tspf=pass smtp.mailfrom=bounce@example.com;\r\n"
                + "\tdkim=pass header.d=example.com header.s=sel header.b=\"ab+/cd==\";\r\n"
                + "\tdmarc=fail reason=\"no aligned SPF or DKIM pass\" (p=reject sp=none pct=50)"
                + " header.from=example.com policy.dmarc=quarantine\r\n");
    }

    @Test
    void readsBackWhatItWrites() {
        String field = ResultsHeader.field("mx.example.net", new SpfResult(SpfStatus.FAIL, SpfIdentity.HELO,
                "helo.example.org", "helo.example.org", Optional.of("x"), "matched -all \"quoted\""),
                List.of(), DMARC);
        ResultsParser.Parsed parsed = ResultsParser.parse(field.substring(field.indexOf(':') + 1)
                .replace("\r\n", ""));

        assertThat(parsed.authservId()).isEqualTo("mx.example.net");
        assertThat(parsed.results()).extracting(ResultsParser.Result::method).containsExactly("spf", "dkim", "dmarc");
        assertThat(parsed.first("spf").orElseThrow().properties()).containsEntry("smtp.helo", "helo.example.org")
                .containsEntry("reason", "matched -all \"quoted\"");
        assertThat(parsed.first("dkim").orElseThrow().result()).isEqualTo("none");
        assertThat(parsed.first("dmarc").orElseThrow().properties()).containsEntry("policy.dmarc", "quarantine")
                .containsEntry("header.from", "example.com");
    }

    @Test
    void quotesValuesThatAreNotTokensAndDropsControlCharacters() {
        assertThat(ResultsHeader.value("user@example.com")).isEqualTo("user@example.com");
        assertThat(ResultsHeader.value("\"odd local\"@example.com")).isEqualTo("\"\\\"odd local\\\"@example.com\"");
        assertThat(ResultsHeader.value("a;b")).isEqualTo("\"a;b\"");
        assertThat(ResultsHeader.value("evil\r\nX-Injected: yes")).isEqualTo("\"evilX-Injected: yes\"");
        assertThat(ResultsHeader.value("")).isEqualTo("\"\"");
    }
}
