package io.yubin.delivery.dane;

import io.yubin.delivery.tlsrpt.TlsResultType;
import io.yubin.mailauth.dns.TlsaRecord;
import java.util.List;

/**
 * What DANE for SMTP (RFC 7672) asks of the TLS session with one MX host, from its TLSA records.
 */
public sealed interface DanePolicy {

    /** No DANE: the host's records were not proven by DNSSEC, or it has no TLSA records. */
    record None() implements DanePolicy {
    }

    /**
     * Secure TLSA records exist: STARTTLS is required and never falls back to plaintext (RFC 7672
     * §2.2). The certificate chain must match one of {@code usable} (§3.1); when none is usable (only
     * PKIX usages, unknown selectors or matching types) the session is encrypted but not authenticated
     * (§2.2: "mandatory unauthenticated TLS").
     *
     * @param tlsaName where the records were found, e.g. {@code _25._tcp.mx.example.com}
     * @param baseDomain the TLSA base domain, the MX host name: the SNI sent and, for DANE-TA, the name
     *     the certificate must carry (§3.2.2)
     */
    record Required(String tlsaName, String baseDomain, List<TlsaRecord> usable) implements DanePolicy {
        public Required {
            usable = List.copyOf(usable);
        }
    }

    /**
     * The TLSA lookup failed (a bogus answer, a timeout, SERVFAIL): the host must not be used now
     * (RFC 7672 §2.2: "the SMTP client MUST NOT ... deliver"); the next host is tried, else the
     * recipients are deferred.
     *
     * @param type how a TLS report names the failure (RFC 8460 §4.3.2.1): dnssec-invalid when the
     *     lookup failed, tlsa-invalid when the records could not be read
     */
    record Unavailable(String reason, TlsResultType type) implements DanePolicy {
    }

    DanePolicy NONE = new None();
}
