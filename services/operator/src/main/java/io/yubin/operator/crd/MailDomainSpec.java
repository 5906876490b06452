package io.yubin.operator.crd;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The spec as written in the resource; absent fields are null. The CRD's schema fills in its
 * defaults on a real API server, and {@link io.yubin.operator.DomainSettings} applies
 * the same defaults again, so a resource that reached the operator some other way reads alike.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record MailDomainSpec(String domain, List<MxHost> mxHosts, AddressesFrom addressesFrom, Dkim dkim, Spf spf,
        Dmarc dmarc, MtaSts mtaSts, TlsRpt tlsRpt, Autoconfig autoconfig, Dns dns, Certificate certificate) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MxHost(String host, Integer priority) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AddressesFrom(String service) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Dkim(String selector, String algorithm, Integer rsaBits, Integer rotateAfterDays) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spf(List<String> mechanisms, String all) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Dmarc(String policy, String subdomainPolicy, Integer percentage, List<String> rua, List<String> ruf,
            String adkim, String aspf) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MtaSts(String mode, Long maxAge) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TlsRpt(List<String> rua) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Autoconfig(Boolean enabled, String host) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Dns(String provider, Integer ttl, Rfc2136 rfc2136) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rfc2136(String server, Integer port, String zone, Tsig tsig) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tsig(String keyName, String algorithm, SecretKeyRef secretRef) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SecretKeyRef(String name, String key) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Certificate(String source, String secretName, CertManager certManager, Acme acme) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Acme(String directoryUrl, String email, SecretKeyRef caSecretRef) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CertManager(IssuerRef issuerRef) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record IssuerRef(String name, String kind, String group) {
    }
}
