package io.yubin.mailauth.dmarc;

import io.yubin.mailauth.AuthorDomain;
import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.mailauth.dkim.DkimResult;
import io.yubin.mailauth.dkim.DkimStatus;
import io.yubin.mailauth.spf.SpfIdentity;
import io.yubin.mailauth.spf.SpfResult;
import io.yubin.mailauth.spf.SpfStatus;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DmarcVerifierTest {

    static final OrganizationalDomains PSL;

    static {
        try {
            PSL = OrganizationalDomains.read(new StringReader("com\nnet\norg\nuk\nco.uk\n"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final TxtZone zone = new TxtZone();

    private DmarcResult check(int percentile, String from, SpfResult spf, DkimResult... dkim) throws Exception {
        return new DmarcVerifier(zone, PSL, () -> percentile, Duration.ofSeconds(5))
                .check(new AuthorDomain.Found(from), spf, List.of(dkim)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static SpfResult spf(SpfStatus status, String domain) {
        return new SpfResult(status, SpfIdentity.MAILFROM, "bounce@" + domain, domain, Optional.empty(), "");
    }

    static DkimResult dkim(DkimStatus status, String domain) {
        return new DkimResult(status, "", domain, "sel", "rsa-sha256", "@" + domain, "abcdefgh", OptionalLong.empty(),
                false);
    }

    @Test
    void anAlignedDkimPassPasses() throws Exception {
        zone.put("_dmarc.example.com", "v=DMARC1; p=reject");

        DmarcResult r = check(0, "example.com", spf(SpfStatus.FAIL, "example.com"),
                dkim(DkimStatus.FAIL, "example.com"), dkim(DkimStatus.PASS, "mail.example.com"));

        assertThat(r.status()).isEqualTo(DmarcStatus.PASS);
        assertThat(r.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(r.disposition()).isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void strictDkimAlignmentNeedsTheSameDomain() throws Exception {
        zone.put("_dmarc.example.com", "v=DMARC1; p=reject; adkim=s");

        assertThat(check(0, "example.com", null, dkim(DkimStatus.PASS, "mail.example.com")).status())
                .isEqualTo(DmarcStatus.FAIL);
        assertThat(check(0, "example.com", null, dkim(DkimStatus.PASS, "EXAMPLE.com")).status())
                .isEqualTo(DmarcStatus.PASS);
    }

    @Test
    void anAlignedSpfPassPassesAndStrictSpfAlignmentNeedsTheSameDomain() throws Exception {
        zone.put("_dmarc.example.com", "v=DMARC1; p=reject; aspf=s");
        zone.put("_dmarc.example.org", "v=DMARC1; p=reject");

        assertThat(check(0, "example.org", spf(SpfStatus.PASS, "bounces.example.org")).status())
                .isEqualTo(DmarcStatus.PASS);
        assertThat(check(0, "example.com", spf(SpfStatus.PASS, "bounces.example.com")).status())
                .isEqualTo(DmarcStatus.FAIL);
        assertThat(check(0, "example.com", spf(SpfStatus.PASS, "example.com")).status()).isEqualTo(DmarcStatus.PASS);
    }

    @Test
    void aPassOfAnotherOrganizationDoesNotAlign() throws Exception {
        zone.put("_dmarc.example.co.uk", "v=DMARC1; p=quarantine");

        DmarcResult r = check(0, "example.co.uk", spf(SpfStatus.PASS, "other.co.uk"), dkim(DkimStatus.PASS, "co.uk"));

        assertThat(r.status()).isEqualTo(DmarcStatus.FAIL);
        assertThat(r.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void aSubdomainWithoutItsOwnRecordGetsTheOrganizationalDomainsSubdomainPolicy() throws Exception {
        zone.put("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");

        DmarcResult r = check(0, "news.example.com", spf(SpfStatus.FAIL, "news.example.com"));

        assertThat(zone.asked).containsExactly("_dmarc.news.example.com", "_dmarc.example.com");
        assertThat(r.status()).isEqualTo(DmarcStatus.FAIL);
        assertThat(r.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(r.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        // without sp=, p= applies to subdomains
        zone.put("_dmarc.example.org", "v=DMARC1; p=reject");
        assertThat(check(0, "a.b.example.org", null).disposition()).isEqualTo(DmarcPolicy.REJECT);
        // the author domain's own record wins, and its p= applies (sp= is for subdomains)
        zone.put("_dmarc.news.example.com", "v=DMARC1; p=none; sp=reject");
        assertThat(check(0, "news.example.com", null).disposition()).isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void pctSamplesFailuresAndAppliesTheNextPolicyDownOutsideTheSample() throws Exception {
        zone.put("_dmarc.example.com", "v=DMARC1; p=reject; pct=25");
        zone.put("_dmarc.example.org", "v=DMARC1; p=quarantine; pct=25");

        assertThat(check(24, "example.com", null).disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(check(25, "example.com", null).disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(check(24, "example.org", null).disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(check(99, "example.org", null).disposition()).isEqualTo(DmarcPolicy.NONE);
        zone.put("_dmarc.example.net", "v=DMARC1; p=reject; pct=0");
        assertThat(check(0, "example.net", null).disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void noRecordOrMoreThanOneIsNone() throws Exception {
        assertThat(check(0, "example.com", null).status()).isEqualTo(DmarcStatus.NONE);

        zone.put("_dmarc.example.org", "v=DMARC1; p=reject", "v=DMARC1; p=none", "unrelated text");
        DmarcResult two = check(0, "news.example.org", null);
        zone.put("_dmarc.news.example.org", "v=DMARC1; p=reject", "v=DMARC1; p=none");
        zone.asked.clear();
        DmarcResult twoAtTheDomain = check(0, "news.example.org", null);

        assertThat(two.status()).isEqualTo(DmarcStatus.NONE);
        assertThat(twoAtTheDomain.status()).isEqualTo(DmarcStatus.NONE);
        // §6.6.3: more than one record ends the discovery; the Organizational Domain is not asked
        assertThat(zone.asked).containsExactly("_dmarc.news.example.org");
    }

    @Test
    void temporaryErrorsNeverApplyThePolicy() throws Exception {
        zone.fail("_dmarc.example.com");
        zone.put("_dmarc.example.org", "v=DMARC1; p=reject");

        DmarcResult lookup = check(0, "example.com", null);
        DmarcResult spfTemp = check(0, "example.org", spf(SpfStatus.TEMPERROR, "example.org"));
        DmarcResult dkimTemp = check(0, "example.org", null, dkim(DkimStatus.TEMPERROR, "example.org"));

        assertThat(List.of(lookup, spfTemp, dkimTemp)).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(DmarcStatus.TEMPERROR);
            assertThat(r.disposition()).isEqualTo(DmarcPolicy.NONE);
        });
    }

    @Test
    void noSingleAuthorDomainIsAPermanentError() throws Exception {
        DmarcResult r = new DmarcVerifier(zone, PSL, () -> 0, Duration.ofSeconds(5))
                .check(AuthorDomain.of(List.of()), null, List.of()).toCompletableFuture().get();

        assertThat(r.status()).isEqualTo(DmarcStatus.PERMERROR);
        assertThat(r.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(zone.asked).isEmpty();
    }
}
