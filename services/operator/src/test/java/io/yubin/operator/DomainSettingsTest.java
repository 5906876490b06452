package io.yubin.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.operator.crd.MailDomainSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class DomainSettingsTest {

    static MailDomainSpec spec(String domain) {
        return new MailDomainSpec(domain, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void appliesEveryDefaultToTheSmallestSpec() throws SpecException {
        DomainSettings s = DomainSettings.of("example-org", spec("example.org"));
        assertThat(s.mxHosts()).containsExactly(new DomainSettings.Mx("mail.example.org", 10));
        assertThat(s.dkim()).isEqualTo(new DomainSettings.Dkim("yubin", DomainSettings.DkimAlgorithm.RSA_SHA256, 2048, 0));
        assertThat(s.spf()).isEqualTo(new DomainSettings.Spf(List.of("mx"), "~all"));
        assertThat(s.dmarc().policy()).isEqualTo("none");
        assertThat(s.mtaSts()).isEqualTo(new DomainSettings.MtaSts("testing", 604800));
        assertThat(s.tlsRptRua()).isEmpty();
        assertThat(s.autoconfig()).isEqualTo(new DomainSettings.Autoconfig(true, "mail.example.org"));
        assertThat(s.dns()).isEqualTo(new DomainSettings.Dns(DomainSettings.DnsProvider.NONE, 3600, null));
        assertThat(s.certificate().source()).isEqualTo(DomainSettings.CertificateSource.SELF_SIGNED);
        assertThat(s.certificate().secretName()).isEqualTo("example-org-tls");
    }

    @Test
    void refusesADomainThatIsNotAnALabelName() {
        assertThatThrownBy(() -> DomainSettings.of("x", spec("bücher.example")))
                .isInstanceOf(SpecException.class)
                .hasMessage("spec.domain: write \"bücher.example\" as \"xn--bcher-kva.example\" (lower case, A-labels,"
                        + " no final dot)");
        assertThatThrownBy(() -> DomainSettings.of("x", spec("example..com")))
                .hasMessageStartingWith("spec.domain: \"example..com\" is not a valid domain name");
        assertThatThrownBy(() -> DomainSettings.of("x", spec("localhost")))
                .hasMessageContaining("single label");
    }

    @Test
    void namesTheFieldAtFaultAndWhatWouldDo() {
        MailDomainSpec unknownProvider = new MailDomainSpec("example.org", null, null, null, null, null, null, null,
                null, new MailDomainSpec.Dns("route53", null, null), null);
        assertThatThrownBy(() -> DomainSettings.of("x", unknownProvider))
                .hasMessage("spec.dns.provider: unknown provider \"route53\"; use rfc2136, externaldns or none");
        MailDomainSpec noRfc2136 = new MailDomainSpec("example.org", null, null, null, null, null, null, null,
                null, new MailDomainSpec.Dns("rfc2136", null, null), null);
        assertThatThrownBy(() -> DomainSettings.of("x", noRfc2136))
                .hasMessage("spec.dns.rfc2136: provider rfc2136 needs server, zone and tsig");
        MailDomainSpec outsideZone = new MailDomainSpec("example.org", null, null, null, null, null, null, null,
                null, new MailDomainSpec.Dns("rfc2136", null, new MailDomainSpec.Rfc2136("127.0.0.1", null,
                        "example.net", new MailDomainSpec.Tsig("k", null, new MailDomainSpec.SecretKeyRef("s", null)))),
                null);
        assertThatThrownBy(() -> DomainSettings.of("x", outsideZone))
                .hasMessage("spec.dns.rfc2136.zone: the domain example.org is not inside zone example.net");
        MailDomainSpec rsa1024 = new MailDomainSpec("example.org", null, null,
                new MailDomainSpec.Dkim(null, null, 1024, null), null, null, null, null, null, null, null);
        assertThatThrownBy(() -> DomainSettings.of("x", rsa1024)).hasMessage("spec.dkim.rsaBits: 1024 bits; use 2048 or 3072");
    }
}
