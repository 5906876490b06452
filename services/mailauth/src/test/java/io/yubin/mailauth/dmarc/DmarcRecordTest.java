package io.yubin.mailauth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class DmarcRecordTest {

    @Test
    void readsTheRecordsOfRfc7489AppendixB() {
        // B.2.1
        DmarcRecord monitoring = DmarcRecord.parse("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com")
                .orElseThrow();
        assertThat(monitoring.policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(monitoring.subdomainPolicy()).isEmpty();
        assertThat(monitoring.percent()).isEqualTo(100);
        assertThat(monitoring.dkimAlignment()).isEqualTo(Alignment.RELAXED);
        assertThat(monitoring.spfAlignment()).isEqualTo(Alignment.RELAXED);
        assertThat(monitoring.aggregateReports()).containsExactly("mailto:dmarc-feedback@example.com");
        assertThat(monitoring.failureOptions()).containsExactly("0");

        // B.2.3
        DmarcRecord thirdParty = DmarcRecord.parse("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
                + "ruf=mailto:auth-reports@thirdparty.example.net").orElseThrow();
        assertThat(thirdParty.failureReports()).containsExactly("mailto:auth-reports@thirdparty.example.net");

        // B.2.4
        DmarcRecord quarantine = DmarcRecord.parse("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,"
                + "mailto:tld-test@thirdparty.example.net!10m; pct=25").orElseThrow();
        assertThat(quarantine.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(quarantine.percent()).isEqualTo(25);
        assertThat(quarantine.aggregateReports()).containsExactly("mailto:dmarc-feedback@example.com",
                "mailto:tld-test@thirdparty.example.net!10m");
    }

    @Test
    void readsEveryTag() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1;p=reject;sp=quarantine;adkim=s;aspf=s;pct=0;fo=1:d:s;"
                + "rf=afrf;ri=3600;ruf=mailto:f@example.com").orElseThrow();
        assertThat(r.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(r.subdomainPolicy()).contains(DmarcPolicy.QUARANTINE);
        assertThat(r.dkimAlignment()).isEqualTo(Alignment.STRICT);
        assertThat(r.spfAlignment()).isEqualTo(Alignment.STRICT);
        assertThat(r.percent()).isZero();
        assertThat(r.failureOptions()).containsExactly("1", "d", "s");
    }

    @Test
    void invalidValuesTakeTheirDefaults() {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=reject; sp=bogus; adkim=x; pct=150; fo=9; rua=not a uri")
                .orElseThrow();
        assertThat(r.subdomainPolicy()).isEmpty();
        assertThat(r.dkimAlignment()).isEqualTo(Alignment.RELAXED);
        assertThat(r.percent()).isEqualTo(100);
        assertThat(r.failureOptions()).containsExactly("0");
        assertThat(r.aggregateReports()).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject; pct=-5").orElseThrow().percent()).isEqualTo(100);
    }

    @Test
    void aMissingOrBadPolicyIsNoneOnlyWhenReportsAreAsked() {
        // RFC 7489 §6.6.3 step 6
        assertThat(DmarcRecord.parse("v=DMARC1; rua=mailto:r@example.com").map(DmarcRecord::policy))
                .contains(DmarcPolicy.NONE);
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus; rua=mailto:r@example.com").map(DmarcRecord::policy))
                .contains(DmarcPolicy.NONE);
        assertThat(DmarcRecord.parse("v=DMARC1; p=bogus")).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC1")).isEmpty();
    }

    @Test
    void onlyRecordsStartingWithTheVersionAreDmarcRecords() {
        assertThat(DmarcRecord.isDmarc("v=DMARC1; p=none")).isTrue();
        assertThat(DmarcRecord.isDmarc("v = DMARC1 ;p=none")).isTrue();
        assertThat(DmarcRecord.isDmarc("v=DMARC1")).isTrue();
        assertThat(DmarcRecord.isDmarc("p=none; v=DMARC1")).isFalse();
        assertThat(DmarcRecord.isDmarc("v=dmarc1; p=none")).isFalse();
        assertThat(DmarcRecord.isDmarc("v=spf1 -all")).isFalse();
        assertThat(DmarcRecord.parse("v=spf1 -all")).isEqualTo(Optional.empty());
        assertThat(List.of("v=DMARC10; p=none")).noneMatch(DmarcRecord::isDmarc);
    }

    @Property
    void anyTextIsARecordOrNot(@ForAll String tail) {
        Optional<DmarcRecord> parsed = DmarcRecord.parse("v=DMARC1; " + tail);
        parsed.ifPresent(r -> assertThat(r.percent()).isBetween(0, 100));
        if (DmarcRecord.parse(tail).isPresent()) {
            assertThat(DmarcRecord.isDmarc(tail)).isTrue();
        }
    }
}
