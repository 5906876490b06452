package io.yubin.operator;

import io.yubin.model.AddressException;
import io.yubin.model.Domain;
import io.yubin.operator.crd.MailDomainSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A MailDomain's spec with every default applied and every field checked: the one place that
 * holds the defaults (they equal the CRD's, which a test checks). The operator checks what the
 * schema checks again, because a resource can reach it without passing a validating API server
 * (an old CRD, a test), and it checks what a schema cannot, such as a domain's IDNA rules.
 */
public record DomainSettings(String domain, List<Mx> mxHosts, String addressService, Dkim dkim, Spf spf,
        Dmarc dmarc, MtaSts mtaSts, List<String> tlsRptRua, Autoconfig autoconfig, Dns dns,
        Certificate certificate) {

    public static final String DEFAULT_SELECTOR = "yubin";
    public static final String DEFAULT_DKIM_ALGORITHM = "rsa-sha256";
    public static final int DEFAULT_RSA_BITS = 2048;
    public static final int DEFAULT_MX_PRIORITY = 10;
    public static final List<String> DEFAULT_SPF_MECHANISMS = List.of("mx");
    public static final String DEFAULT_SPF_ALL = "~all";
    public static final String DEFAULT_DMARC_POLICY = "none";
    public static final int DEFAULT_DMARC_PERCENTAGE = 100;
    public static final String DEFAULT_ALIGNMENT = "r";
    public static final String DEFAULT_MTA_STS_MODE = "testing";
    public static final long DEFAULT_MTA_STS_MAX_AGE = 604_800;
    public static final String DEFAULT_DNS_PROVIDER = "none";
    public static final int DEFAULT_TTL = 3600;
    public static final int DEFAULT_DNS_PORT = 53;
    public static final String DEFAULT_TSIG_ALGORITHM = "hmac-sha256";
    public static final String DEFAULT_SECRET_KEY = "secret";
    public static final String DEFAULT_CERTIFICATE_SOURCE = "self-signed";
    public static final String DEFAULT_ISSUER_KIND = "Issuer";
    public static final String DEFAULT_ISSUER_GROUP = "cert-manager.io";
    public static final String DEFAULT_CA_KEY = "ca.crt";

    public record Mx(String host, int priority) {
    }

    /**
     * The names the domain's TLS certificate must cover, as the operator's certificate does: every MX
     * host, mta-sts.&lt;domain&gt;, and with autoconfig autoconfig.&lt;domain&gt; and the autoconfig
     * host (the name clients connect to, when that is not an MX host).
     */
    public List<String> certificateNames() {
        Set<String> names = new LinkedHashSet<>();
        mxHosts.forEach(mx -> names.add(mx.host()));
        names.add("mta-sts." + domain);
        if (autoconfig.enabled()) {
            names.add("autoconfig." + domain);
            names.add(autoconfig.host());
        }
        return List.copyOf(names);
    }

    public enum DkimAlgorithm {
        RSA_SHA256("rsa-sha256"), ED25519_SHA256("ed25519-sha256");

        private final String tag;

        DkimAlgorithm(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    /**
     * @param rsaBits 2048 or 3072 for RSA; 0 for Ed25519
     * @param rotateAfterDays 0: the key is kept; else a new key replaces it after this many days, and
     *     the selectors are {@code <selector>-<yyyymmdd>} of each key's day of creation
     */
    public record Dkim(String selector, DkimAlgorithm algorithm, int rsaBits, int rotateAfterDays) {
    }

    public record Spf(List<String> mechanisms, String all) {
    }

    /** @param subdomainPolicy null when the tag is left out */
    public record Dmarc(String policy, String subdomainPolicy, int percentage, List<String> rua, List<String> ruf,
            String adkim, String aspf) {
    }

    public record MtaSts(String mode, long maxAge) {
    }

    /** @param host the SRV target; null when disabled */
    public record Autoconfig(boolean enabled, String host) {
    }

    public enum DnsProvider {
        NONE("none"), RFC2136("rfc2136"), EXTERNALDNS("externaldns");

        private final String value;

        DnsProvider(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }
    }

    /** @param rfc2136 null unless the provider is rfc2136 */
    public record Dns(DnsProvider provider, int ttl, Rfc2136 rfc2136) {
    }

    /** @param zone absolute, lower case, without the final dot */
    public record Rfc2136(String server, int port, String zone, String tsigKeyName, String tsigAlgorithm,
            String secretName, String secretKey) {
    }

    public enum CertificateSource {
        NONE("none"), SELF_SIGNED("self-signed"), CERT_MANAGER("cert-manager"), ACME("acme");

        private final String value;

        CertificateSource(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }
    }

    /**
     * @param issuerName, issuerKind, issuerGroup set for cert-manager only
     * @param acme set for acme only
     */
    public record Certificate(CertificateSource source, String secretName, String issuerName, String issuerKind,
            String issuerGroup, Acme acme) {
    }

    /** @param caSecretName null: the JDK's trust store checks the directory's HTTPS */
    public record Acme(String directoryUrl, String email, String caSecretName, String caSecretKey) {
    }

    private static final Pattern SELECTOR = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SERVICE = Pattern.compile("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SECRET_NAME =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern SERVER = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?");
    private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9]([-_A-Za-z0-9.]*[A-Za-z0-9])?");
    private static final Pattern SPF_MECHANISM = Pattern.compile("[-+~?]?((a|mx)(:[!-~]+)?(/[0-9]{1,3}(//[0-9]{1,3})?)?"
            + "|(include|exists):[!-~]+|ip4:[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?"
            + "|ip6:[0-9a-fA-F:.]+(/[0-9]{1,3})?|ptr(:[!-~]+)?)");
    private static final Pattern MAILTO = Pattern.compile("mailto:[^\\s,;!@]+@[^\\s,;!@]+");
    private static final Pattern HTTPS = Pattern.compile("https://[!-~]+");
    private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@]+");
    private static final List<String> DISPOSITIONS = List.of("none", "quarantine", "reject");
    private static final List<String> TSIG_ALGORITHMS = List.of("hmac-sha256", "hmac-sha384", "hmac-sha512");

    /**
     * The settings of resource {@code name} (its metadata.name, for the default Secret names).
     *
     * @throws SpecException naming the first field at fault
     */
    public static DomainSettings of(String name, MailDomainSpec spec) throws SpecException {
        if (spec == null) {
            throw new SpecException("spec", "missing");
        }
        String domain = hostName("spec.domain", spec.domain());

        List<Mx> mx = new ArrayList<>();
        if (spec.mxHosts() == null || spec.mxHosts().isEmpty()) {
            mx.add(new Mx("mail." + domain, DEFAULT_MX_PRIORITY));
        } else {
            for (int i = 0; i < spec.mxHosts().size(); i++) {
                MailDomainSpec.MxHost host = spec.mxHosts().get(i);
                String field = "spec.mxHosts[" + i + "]";
                if (host == null) {
                    throw new SpecException(field, "empty");
                }
                int priority = orDefault(host.priority(), DEFAULT_MX_PRIORITY);
                range(field + ".priority", priority, 0, 65535);
                mx.add(new Mx(hostName(field + ".host", host.host()), priority));
            }
        }

        String service = null;
        if (spec.addressesFrom() != null) {
            service = matching("spec.addressesFrom.service", spec.addressesFrom().service(), SERVICE,
                    "a Service name such as yubin");
        }

        MailDomainSpec.Dkim dkimSpec = spec.dkim() == null ? new MailDomainSpec.Dkim(null, null, null, null)
                : spec.dkim();
        String selector = matching("spec.dkim.selector", orDefault(dkimSpec.selector(), DEFAULT_SELECTOR), SELECTOR,
                "one DNS label in lower case, e.g. yubin or s2026");
        String algorithmTag = orDefault(dkimSpec.algorithm(), DEFAULT_DKIM_ALGORITHM);
        DkimAlgorithm algorithm = switch (algorithmTag) {
            case "rsa-sha256" -> DkimAlgorithm.RSA_SHA256;
            case "ed25519-sha256" -> DkimAlgorithm.ED25519_SHA256;
            default -> throw new SpecException("spec.dkim.algorithm", "unknown algorithm \"" + algorithmTag
                    + "\"; use rsa-sha256 or ed25519-sha256");
        };
        int bits = orDefault(dkimSpec.rsaBits(), DEFAULT_RSA_BITS);
        if (bits != 2048 && bits != 3072) {
            throw new SpecException("spec.dkim.rsaBits", bits + " bits; use 2048 or 3072");
        }
        int rotate = orDefault(dkimSpec.rotateAfterDays(), 0);
        if (rotate != 0) {
            range("spec.dkim.rotateAfterDays", rotate, 7, 3650);
            if (selector.length() > 54) {
                throw new SpecException("spec.dkim.selector", "at most 54 characters with rotation (\"-yyyymmdd\" is added)");
            }
        }
        Dkim dkim = new Dkim(selector, algorithm, algorithm == DkimAlgorithm.RSA_SHA256 ? bits : 0, rotate);

        MailDomainSpec.Spf spfSpec = spec.spf() == null ? new MailDomainSpec.Spf(null, null) : spec.spf();
        List<String> mechanisms = spfSpec.mechanisms() == null ? DEFAULT_SPF_MECHANISMS : spfSpec.mechanisms();
        for (int i = 0; i < mechanisms.size(); i++) {
            matching("spec.spf.mechanisms[" + i + "]", mechanisms.get(i), SPF_MECHANISM,
                    "an SPF mechanism such as mx, a, ip4:192.0.2.0/24 or include:_spf.example.net");
        }
        String all = oneOf("spec.spf.all", orDefault(spfSpec.all(), DEFAULT_SPF_ALL), List.of("-all", "~all"));
        Spf spf = new Spf(List.copyOf(mechanisms), all);

        MailDomainSpec.Dmarc dmarcSpec = spec.dmarc() == null
                ? new MailDomainSpec.Dmarc(null, null, null, null, null, null, null) : spec.dmarc();
        int percentage = orDefault(dmarcSpec.percentage(), DEFAULT_DMARC_PERCENTAGE);
        range("spec.dmarc.percentage", percentage, 0, 100);
        Dmarc dmarc = new Dmarc(
                oneOf("spec.dmarc.policy", orDefault(dmarcSpec.policy(), DEFAULT_DMARC_POLICY), DISPOSITIONS),
                dmarcSpec.subdomainPolicy() == null ? null
                        : oneOf("spec.dmarc.subdomainPolicy", dmarcSpec.subdomainPolicy(), DISPOSITIONS),
                percentage,
                uris("spec.dmarc.rua", dmarcSpec.rua(), false),
                uris("spec.dmarc.ruf", dmarcSpec.ruf(), false),
                oneOf("spec.dmarc.adkim", orDefault(dmarcSpec.adkim(), DEFAULT_ALIGNMENT), List.of("r", "s")),
                oneOf("spec.dmarc.aspf", orDefault(dmarcSpec.aspf(), DEFAULT_ALIGNMENT), List.of("r", "s")));

        MailDomainSpec.MtaSts stsSpec = spec.mtaSts() == null ? new MailDomainSpec.MtaSts(null, null) : spec.mtaSts();
        long maxAge = orDefault(stsSpec.maxAge(), DEFAULT_MTA_STS_MAX_AGE);
        // RFC 8461 §3.2: max_age is at most 31557600 (about one year)
        range("spec.mtaSts.maxAge", maxAge, 0, 31_557_600);
        MtaSts mtaSts = new MtaSts(oneOf("spec.mtaSts.mode", orDefault(stsSpec.mode(), DEFAULT_MTA_STS_MODE),
                List.of("none", "testing", "enforce")), maxAge);

        List<String> tlsRpt = spec.tlsRpt() == null ? List.of() : uris("spec.tlsRpt.rua", spec.tlsRpt().rua(), true);

        MailDomainSpec.Autoconfig autoSpec = spec.autoconfig() == null
                ? new MailDomainSpec.Autoconfig(null, null) : spec.autoconfig();
        boolean autoEnabled = orDefault(autoSpec.enabled(), Boolean.TRUE);
        String autoHost = autoSpec.host() == null ? mx.get(0).host() : hostName("spec.autoconfig.host", autoSpec.host());
        Autoconfig autoconfig = new Autoconfig(autoEnabled, autoHost);

        Dns dns = dns(spec.dns(), domain);
        Certificate certificate = certificate(name, spec.certificate());
        if (certificate.source() == CertificateSource.ACME && dns.provider() != DnsProvider.RFC2136) {
            throw new SpecException("spec.certificate.source", "acme answers DNS-01 challenges through RFC 2136:"
                    + " set spec.dns.provider to rfc2136");
        }
        return new DomainSettings(domain, List.copyOf(mx), service, dkim, spf, dmarc, mtaSts, tlsRpt, autoconfig, dns,
                certificate);
    }

    /** The Secret holding the DKIM private keys of resource {@code name}. */
    public static String dkimSecretName(String name) {
        return name + "-dkim";
    }

    private static Dns dns(MailDomainSpec.Dns spec, String domain) throws SpecException {
        MailDomainSpec.Dns dns = spec == null ? new MailDomainSpec.Dns(null, null, null) : spec;
        String providerName = orDefault(dns.provider(), DEFAULT_DNS_PROVIDER);
        DnsProvider provider = null;
        for (DnsProvider p : DnsProvider.values()) {
            if (p.value().equals(providerName)) {
                provider = p;
            }
        }
        if (provider == null) {
            throw new SpecException("spec.dns.provider", "unknown provider \"" + providerName
                    + "\"; use rfc2136, externaldns or none");
        }
        int ttl = orDefault(dns.ttl(), DEFAULT_TTL);
        range("spec.dns.ttl", ttl, 30, 604_800);
        Rfc2136 rfc2136 = null;
        if (provider == DnsProvider.RFC2136) {
            MailDomainSpec.Rfc2136 r = dns.rfc2136();
            if (r == null) {
                throw new SpecException("spec.dns.rfc2136", "provider rfc2136 needs server, zone and tsig");
            }
            String server = matching("spec.dns.rfc2136.server", r.server(), SERVER, "a host name or an IP address");
            int port = orDefault(r.port(), DEFAULT_DNS_PORT);
            range("spec.dns.rfc2136.port", port, 1, 65535);
            String zone = r.zone() == null ? null : r.zone().endsWith(".") ? r.zone().substring(0, r.zone().length() - 1)
                    : r.zone();
            zone = hostName("spec.dns.rfc2136.zone", zone);
            if (!domain.equals(zone) && !domain.endsWith("." + zone)) {
                throw new SpecException("spec.dns.rfc2136.zone", "the domain " + domain + " is not inside zone " + zone);
            }
            MailDomainSpec.Tsig tsig = r.tsig();
            if (tsig == null) {
                throw new SpecException("spec.dns.rfc2136.tsig", "missing: dynamic updates are signed with TSIG");
            }
            String keyName = matching("spec.dns.rfc2136.tsig.keyName", tsig.keyName(), KEY_NAME,
                    "the key's name as the DNS server knows it");
            String algorithm = oneOf("spec.dns.rfc2136.tsig.algorithm",
                    orDefault(tsig.algorithm(), DEFAULT_TSIG_ALGORITHM), TSIG_ALGORITHMS);
            if (tsig.secretRef() == null) {
                throw new SpecException("spec.dns.rfc2136.tsig.secretRef", "missing: the Secret holding the TSIG key");
            }
            String secretName = matching("spec.dns.rfc2136.tsig.secretRef.name", tsig.secretRef().name(), SECRET_NAME,
                    "a Secret name");
            String secretKey = matching("spec.dns.rfc2136.tsig.secretRef.key",
                    orDefault(tsig.secretRef().key(), DEFAULT_SECRET_KEY), SECRET_KEY, "a key of the Secret's data");
            rfc2136 = new Rfc2136(server, port, zone, keyName, algorithm, secretName, secretKey);
        }
        return new Dns(provider, ttl, rfc2136);
    }

    private static Certificate certificate(String name, MailDomainSpec.Certificate spec) throws SpecException {
        MailDomainSpec.Certificate c = spec == null ? new MailDomainSpec.Certificate(null, null, null, null) : spec;
        String sourceName = orDefault(c.source(), DEFAULT_CERTIFICATE_SOURCE);
        CertificateSource source = null;
        for (CertificateSource s : CertificateSource.values()) {
            if (s.value().equals(sourceName)) {
                source = s;
            }
        }
        if (source == null) {
            throw new SpecException("spec.certificate.source", "unknown source \"" + sourceName
                    + "\"; use self-signed, cert-manager, acme or none");
        }
        String secretName = matching("spec.certificate.secretName", orDefault(c.secretName(), name + "-tls"),
                SECRET_NAME, "a Secret name");
        if (source == CertificateSource.ACME) {
            MailDomainSpec.Acme acme = c.acme();
            if (acme == null) {
                throw new SpecException("spec.certificate.acme", "source acme needs directoryUrl and email");
            }
            String directory = matching("spec.certificate.acme.directoryUrl", acme.directoryUrl(), HTTPS,
                    "an https: URL of an ACME directory");
            String email = matching("spec.certificate.acme.email", acme.email(), EMAIL, "an email address");
            String caName = null;
            String caKey = null;
            if (acme.caSecretRef() != null) {
                caName = matching("spec.certificate.acme.caSecretRef.name", acme.caSecretRef().name(), SECRET_NAME,
                        "a Secret name");
                caKey = matching("spec.certificate.acme.caSecretRef.key",
                        orDefault(acme.caSecretRef().key(), DEFAULT_CA_KEY), SECRET_KEY, "a key of the Secret's data");
            }
            return new Certificate(source, secretName, null, null, null, new Acme(directory, email, caName, caKey));
        }
        if (source != CertificateSource.CERT_MANAGER) {
            return new Certificate(source, secretName, null, null, null, null);
        }
        if (c.certManager() == null || c.certManager().issuerRef() == null) {
            throw new SpecException("spec.certificate.certManager.issuerRef", "source cert-manager needs an issuerRef");
        }
        MailDomainSpec.IssuerRef issuer = c.certManager().issuerRef();
        return new Certificate(source, secretName,
                matching("spec.certificate.certManager.issuerRef.name", issuer.name(), SECRET_NAME, "an issuer name"),
                oneOf("spec.certificate.certManager.issuerRef.kind", orDefault(issuer.kind(), DEFAULT_ISSUER_KIND),
                        List.of("Issuer", "ClusterIssuer")),
                orDefault(issuer.group(), DEFAULT_ISSUER_GROUP), null);
    }

    /** A host name in lower-case A-labels, as the schema's pattern asks. */
    private static String hostName(String field, String text) throws SpecException {
        if (text == null || text.isEmpty()) {
            throw new SpecException(field, "missing");
        }
        String ascii;
        try {
            ascii = Domain.parse(text).ascii();
        } catch (AddressException e) {
            throw new SpecException(field, "\"" + text + "\" is not a valid domain name: " + e.getMessage());
        }
        if (!ascii.equals(text)) {
            throw new SpecException(field, "write \"" + text + "\" as \"" + ascii
                    + "\" (lower case, A-labels, no final dot)");
        }
        if (!ascii.contains(".")) {
            throw new SpecException(field, "\"" + text + "\" has a single label; give a fully qualified name");
        }
        return ascii;
    }

    private static String matching(String field, String value, Pattern pattern, String what) throws SpecException {
        if (value == null || value.isEmpty()) {
            throw new SpecException(field, "missing; expected " + what);
        }
        if (!pattern.matcher(value).matches()) {
            throw new SpecException(field, "\"" + value + "\" is not " + what);
        }
        return value;
    }

    private static String oneOf(String field, String value, List<String> allowed) throws SpecException {
        if (!allowed.contains(value)) {
            throw new SpecException(field, "\"" + value + "\" is not one of " + String.join(", ", allowed));
        }
        return value;
    }

    private static void range(String field, long value, long min, long max) throws SpecException {
        if (value < min || value > max) {
            throw new SpecException(field, value + " is outside " + min + ".." + max);
        }
    }

    private static List<String> uris(String field, List<String> values, boolean httpsAllowed) throws SpecException {
        if (values == null) {
            return List.of();
        }
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i);
            if (v == null || !(MAILTO.matcher(v).matches() || httpsAllowed && HTTPS.matcher(v).matches())) {
                throw new SpecException(field + "[" + i + "]", "\"" + v + "\" is not a "
                        + (httpsAllowed ? "mailto: or https: URI" : "mailto: URI"));
            }
        }
        return List.copyOf(values);
    }

    private static <T> T orDefault(T value, T fallback) {
        return Objects.requireNonNullElse(value, fallback);
    }
}
