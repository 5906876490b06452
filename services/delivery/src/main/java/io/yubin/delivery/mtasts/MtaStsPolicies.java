package io.yubin.delivery.mtasts;

import io.yubin.delivery.tlsrpt.TlsReportPolicy;
import io.yubin.delivery.tlsrpt.TlsResultType;
import io.yubin.delivery.tlsrpt.TlsResults;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Policy discovery with a cache (RFC 8461 §3.3, §5.1). The {@code _mta-sts} TXT record is asked for
 * at every delivery; the policy is fetched when none is cached, when the cached one has expired
 * ({@code max_age}), or when the record's id differs from the cached policy's. A cached policy that
 * has not expired is used when DNS or the HTTPS fetch fails, or the record is gone. Cached in this
 * process only (per cluster member).
 */
public final class MtaStsPolicies {

    private static final Logger LOG = LoggerFactory.getLogger(MtaStsPolicies.class);

    private final DnsResolver dns;
    private final PolicyFetcher fetcher;
    private final Clock clock;
    private final TlsResults tlsResults;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(MtaStsPolicy policy, String id, Instant expires) {
    }

    public MtaStsPolicies(DnsResolver dns, PolicyFetcher fetcher, Clock clock) {
        this(dns, fetcher, clock, TlsResults.discarding());
    }

    /** Counting a policy that cannot be had, when no cached one stands in, in {@code tlsResults} (RFC 8460). */
    public MtaStsPolicies(DnsResolver dns, PolicyFetcher fetcher, Clock clock, TlsResults tlsResults) {
        this.tlsResults = Objects.requireNonNull(tlsResults, "tlsResults");
        this.dns = Objects.requireNonNull(dns, "dns");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The policy of {@code domain}, or null when it has none to apply. Never fails. */
    public CompletionStage<MtaStsPolicy> policy(String domain) {
        String name = domain.toLowerCase(Locale.ROOT);
        return dns.txt("_mta-sts." + name).thenCompose(txt -> {
            Cached cached = valid(name);
            MtaStsRecord record = txt instanceof DnsResult.TempError ? null : MtaStsRecord.select(txt.records());
            if (record == null) {
                // RFC 8461 §5.1: no (valid) record, yet a cached policy is used until it expires.
                return CompletableFuture.completedFuture(cached == null ? null : cached.policy());
            }
            if (cached != null && cached.id().equals(record.id())) {
                return CompletableFuture.completedFuture(cached.policy());
            }
            return fetcher.fetch(name).handle((policy, failure) -> {
                if (failure != null) {
                    LOG.info("MTA-STS policy of {} (id {}) could not be fetched: {}{}", name, record.id(),
                            failure.getMessage(), cached == null ? "" : "; the cached policy is used");
                    if (cached == null) {
                        tlsResults.failure(TlsReportPolicy.sts(name, List.of(), List.of()),
                                new TlsResults.Failure(fetchFailure(failure), null, null, failure.getMessage()));
                    }
                    return cached == null ? null : cached.policy();
                }
                cache.put(name, new Cached(policy, record.id(), clock.instant().plus(policy.maxAge())));
                return policy;
            });
        }).exceptionally(failure -> {
            Cached cached = valid(name);
            return cached == null ? null : cached.policy();
        });
    }

    /**
     * RFC 8460 §4.3.2.2: a policy that did not parse is sts-policy-invalid, a certificate of the policy
     * host that did not validate sts-webpki-invalid, anything else sts-policy-fetch-error.
     */
    private static TlsResultType fetchFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IllegalArgumentException) {
                return TlsResultType.STS_POLICY_INVALID;
            }
            if (t instanceof SSLException) {
                return TlsResultType.STS_WEBPKI_INVALID;
            }
        }
        return TlsResultType.STS_POLICY_FETCH_ERROR;
    }

    private Cached valid(String domain) {
        Cached cached = cache.get(domain);
        if (cached != null && !clock.instant().isBefore(cached.expires())) {
            cache.remove(domain, cached);
            return null;
        }
        return cached;
    }
}
