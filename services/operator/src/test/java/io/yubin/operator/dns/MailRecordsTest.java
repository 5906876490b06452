package io.yubin.operator.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.operator.DomainSettings;
import io.yubin.operator.SpecException;
import io.yubin.operator.crd.MailDomainSpec;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MailRecordsTest {

    static final String DKIM = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    static DomainSettings settings(MailDomainSpec spec) throws SpecException {
        return DomainSettings.of("example-com", spec);
    }

    static MailDomainSpec full() {
        return new MailDomainSpec("example.com",
                List.of(new MailDomainSpec.MxHost("mail.example.com", 10), new MailDomainSpec.MxHost("mx2.example.net", 20)),
                null, new MailDomainSpec.Dkim("s1", "ed25519-sha256", null, null),
                new MailDomainSpec.Spf(List.of("mx", "ip4:192.0.2.0/24"), "-all"),
                new MailDomainSpec.Dmarc("quarantine", "reject", 50, List.of("mailto:d@example.com"), null, "s", null),
                new MailDomainSpec.MtaSts("enforce", 86400L),
                new MailDomainSpec.TlsRpt(List.of("mailto:tls@example.com", "https://r.example.com/tls")),
                null, new MailDomainSpec.Dns(null, 300, null), null);
    }

    @Test
    void computesEveryRecordOfADomain() throws SpecException {
        DomainSettings s = settings(full());
        MtaStsPolicy policy = MtaStsPolicy.of(s);
        List<String> records = MailRecords.of(s, List.of(new MailRecords.DkimRecord(s.dkim().selector(), DKIM)), policy, List.of()).stream().map(DnsRecord::toString).toList();
        assertThat(records).containsExactly(
                "_autodiscover._tcp.example.com. 300 IN SRV 0 1 443 autoconfig.example.com.",
                "_dmarc.example.com. 300 IN TXT \"v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:d@example.com;"
                        + " adkim=s\"",
                "_imap._tcp.example.com. 300 IN SRV 10 1 143 mail.example.com.",
                "_imaps._tcp.example.com. 300 IN SRV 0 1 993 mail.example.com.",
                "_mta-sts.example.com. 300 IN TXT \"v=STSv1; id=" + policy.id() + "\"",
                "_pop3._tcp.example.com. 300 IN SRV 10 1 110 mail.example.com.",
                "_pop3s._tcp.example.com. 300 IN SRV 0 1 995 mail.example.com.",
                "_smtp._tls.example.com. 300 IN TXT \"v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example.com/tls\"",
                "_submission._tcp.example.com. 300 IN SRV 10 1 587 mail.example.com.",
                "_submissions._tcp.example.com. 300 IN SRV 0 1 465 mail.example.com.",
                "example.com. 300 IN MX 10 mail.example.com.",
                "example.com. 300 IN MX 20 mx2.example.net.",
                "example.com. 300 IN TXT \"v=spf1 mx ip4:192.0.2.0/24 -all\"",
                "s1._domainkey.example.com. 300 IN TXT \"" + DKIM + "\"");
        assertThat(policy.text()).isEqualTo("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                + "mx: mx2.example.net\r\nmax_age: 86400\r\n");
    }

    @Test
    void theSmallestSpecGetsDefaultRecords() throws SpecException {
        DomainSettings s = settings(new MailDomainSpec("example.org", null, null, null, null, null, null, null, null,
                null, null));
        List<DnsRecord> records = MailRecords.of(s, List.of(new MailRecords.DkimRecord(s.dkim().selector(), DKIM)), MtaStsPolicy.of(s), List.of());
        assertThat(records).extracting(DnsRecord::toString).contains(
                "example.org. 3600 IN MX 10 mail.example.org.",
                "example.org. 3600 IN TXT \"v=spf1 mx ~all\"",
                "_dmarc.example.org. 3600 IN TXT \"v=DMARC1; p=none\"",
                "yubin._domainkey.example.org. 3600 IN TXT \"" + DKIM + "\"");
        assertThat(records).extracting(DnsRecord::name).doesNotContain("_smtp._tls.example.org.");
    }

    @Test
    void addressRecordsOnlyForNamesInsideTheDomain() throws Exception {
        DomainSettings s = settings(full());
        List<DnsRecord> records = MailRecords.of(s, List.of(new MailRecords.DkimRecord(s.dkim().selector(), DKIM)), MtaStsPolicy.of(s),
                List.of(InetAddress.getByName("192.0.2.10"), InetAddress.getByName("2001:db8::10")));
        assertThat(records).filteredOn(r -> r.type().equals("A") || r.type().equals("AAAA"))
                .extracting(DnsRecord::toString).containsExactly(
                        "autoconfig.example.com. 300 IN A 192.0.2.10",
                        "autoconfig.example.com. 300 IN AAAA 2001:db8::10",
                        "mail.example.com. 300 IN A 192.0.2.10",
                        "mail.example.com. 300 IN AAAA 2001:db8::10",
                        "mta-sts.example.com. 300 IN A 192.0.2.10",
                        "mta-sts.example.com. 300 IN AAAA 2001:db8::10");
    }

    @Test
    void noSrvRecordsWhenAutoconfigIsOff() throws SpecException {
        MailDomainSpec f = full();
        DomainSettings s = settings(new MailDomainSpec(f.domain(), f.mxHosts(), null, f.dkim(), f.spf(), f.dmarc(),
                f.mtaSts(), f.tlsRpt(), new MailDomainSpec.Autoconfig(false, null), f.dns(), null));
        assertThat(MailRecords.of(s, List.of(new MailRecords.DkimRecord(s.dkim().selector(), DKIM)), MtaStsPolicy.of(s), List.of())).extracting(DnsRecord::type)
                .doesNotContain("SRV");
    }

    @Test
    void aLongDkimRecordIsCutInto255OctetStrings() {
        String key = "v=DKIM1; k=rsa; p=" + "A".repeat(540);
        DnsRecord record = DnsRecord.txt("s._domainkey.example.com.", 60, key);
        List<String> strings = TxtStrings.split(key);
        assertThat(strings).hasSize(3);
        assertThat(strings.get(0)).hasSize(255);
        assertThat(strings.get(1)).hasSize(255);
        assertThat(String.join("", strings)).isEqualTo(key);
        assertThat(record.value()).isEqualTo("\"" + strings.get(0) + "\" \"" + strings.get(1) + "\" \""
                + strings.get(2) + "\"");
        for (int n : new int[] {0, 1, 254, 255, 256, 510, 511}) {
            String text = "x".repeat(n);
            List<String> parts = TxtStrings.split(text);
            assertThat(String.join("", parts)).isEqualTo(text);
            assertThat(parts).allSatisfy(p -> assertThat(p.getBytes(StandardCharsets.US_ASCII).length)
                    .isLessThanOrEqualTo(255));
            assertThat(parts).hasSize(Math.max(1, (n + 254) / 255));
        }
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertThat(TxtStrings.presentation(List.of("a\"b\\c"))).isEqualTo("\"a\\\"b\\\\c\"");
    }

    @Test
    void theMtaStsIdChangesExactlyWhenThePolicyDoes() throws SpecException {
        MailDomainSpec f = full();
        String id = MtaStsPolicy.of(settings(f)).id();
        assertThat(id).matches("[a-z0-9]{1,32}");
        assertThat(MtaStsPolicy.of(settings(full())).id()).isEqualTo(id);
        MailDomainSpec testing = new MailDomainSpec(f.domain(), f.mxHosts(), null, f.dkim(), f.spf(), f.dmarc(),
                new MailDomainSpec.MtaSts("testing", 86400L), f.tlsRpt(), null, f.dns(), null);
        assertThat(MtaStsPolicy.of(settings(testing)).id()).isNotEqualTo(id);
        MailDomainSpec otherMx = new MailDomainSpec(f.domain(), List.of(new MailDomainSpec.MxHost("mail.example.com", 10)),
                null, f.dkim(), f.spf(), f.dmarc(), f.mtaSts(), f.tlsRpt(), null, f.dns(), null);
        assertThat(MtaStsPolicy.of(settings(otherMx)).id()).isNotEqualTo(id);
        // a change elsewhere in the spec leaves the policy, and so its id, alone
        MailDomainSpec otherDmarc = new MailDomainSpec(f.domain(), f.mxHosts(), null, f.dkim(), f.spf(),
                new MailDomainSpec.Dmarc("reject", null, null, null, null, null, null), f.mtaSts(), f.tlsRpt(), null,
                f.dns(), null);
        assertThat(MtaStsPolicy.of(settings(otherDmarc)).id()).isEqualTo(id);
    }
}
