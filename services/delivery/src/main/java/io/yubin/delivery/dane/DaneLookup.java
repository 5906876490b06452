package io.yubin.delivery.dane;

import io.yubin.delivery.tlsrpt.TlsResultType;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.TlsaRecord;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Finds the {@link DanePolicy} of an MX host (RFC 7672 §2.2): its TLSA records at
 * {@code _<port>._tcp.<host>}, asked only when DNSSEC proved the host's MX and address records, and
 * counted only when DNSSEC proved them too.
 */
public final class DaneLookup {

    private final DnsResolver dns;

    /** @param dns a validating resolver; one that does not validate makes every policy {@link DanePolicy.None} */
    public DaneLookup(DnsResolver dns) {
        this.dns = Objects.requireNonNull(dns);
    }

    /**
     * @param host the MX host name (the TLSA base domain)
     * @param secure whether DNSSEC proved the host's MX and address records
     * @param port the SMTP port connected to (25 on the Internet)
     */
    public CompletionStage<DanePolicy> policy(String host, boolean secure, int port) {
        if (!secure || host.startsWith("[")) {
            return CompletableFuture.completedFuture(DanePolicy.NONE);
        }
        String base = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String name = "_" + port + "._tcp." + base;
        return dns.tlsa(name).thenApply(found -> {
            DnsResult<TlsaRecord> result = found.result();
            if (result instanceof DnsResult.TempError<TlsaRecord> error) {
                return (DanePolicy) new DanePolicy.Unavailable("TLSA lookup of " + name + " failed: " + error.reason(),
                        TlsResultType.DNSSEC_INVALID);
            }
            if (!found.secure() || result.records().isEmpty()) {
                // RFC 7672 §2.2: insecure TLSA records are ignored; none at all means no DANE.
                return DanePolicy.NONE;
            }
            List<TlsaRecord> usable = result.records().stream().filter(DaneLookup::usable).toList();
            return new DanePolicy.Required(name, base, usable);
        }).exceptionally(invalid -> new DanePolicy.Unavailable("TLSA lookup of " + name + " impossible: "
                + invalid.getMessage(), TlsResultType.TLSA_INVALID));
    }

    /**
     * RFC 7672 §3.1: DANE-TA(2) and DANE-EE(3), selector 0 (certificate) or 1 (public key), matching
     * type 0 (full), 1 (SHA-256) or 2 (SHA-512); PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (§3.1.3).
     */
    static boolean usable(TlsaRecord record) {
        return (record.usage() == 2 || record.usage() == 3) && (record.selector() == 0 || record.selector() == 1)
                && record.matchingType() >= 0 && record.matchingType() <= 2;
    }
}
