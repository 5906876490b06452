package io.yubin.delivery.tlsrpt;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The policy a TLS session was held to, as a report names it (RFC 8460 §4.4 "policy"): its type, the
 * policy domain the report goes to, the policy's text and the MX hosts it names.
 *
 * @param domain the policy domain (§1.1): the recipient domain for MTA-STS and for no policy, the TLSA
 *     base domain (the MX host name) for DANE
 * @param strings the policy as lines: an MTA-STS policy's lines, or the TLSA records
 * @param mxHosts the MX host patterns of an MTA-STS policy, or the host of a TLSA policy
 */
public record TlsReportPolicy(Type type, String domain, List<String> strings, List<String> mxHosts) {

    public enum Type {
        STS("sts"), TLSA("tlsa"), NO_POLICY_FOUND("no-policy-found");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public TlsReportPolicy {
        Objects.requireNonNull(type, "type");
        domain = domain.toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        strings = List.copyOf(strings);
        mxHosts = List.copyOf(mxHosts);
    }

    /** No MTA-STS policy and no DANE for {@code domain}. */
    public static TlsReportPolicy none(String domain) {
        return new TlsReportPolicy(Type.NO_POLICY_FOUND, domain, List.of(), List.of());
    }

    /** DANE for the MX host {@code baseDomain} (RFC 7672), with its TLSA records in presentation form. */
    public static TlsReportPolicy tlsa(String baseDomain, List<String> records) {
        return new TlsReportPolicy(Type.TLSA, baseDomain, records, List.of(baseDomain));
    }

    /** The MTA-STS policy of {@code domain} (RFC 8461), as fetched. */
    public static TlsReportPolicy sts(String domain, List<String> lines, List<String> mx) {
        return new TlsReportPolicy(Type.STS, domain, lines, mx);
    }
}
