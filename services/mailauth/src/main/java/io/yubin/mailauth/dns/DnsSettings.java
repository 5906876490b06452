package io.yubin.mailauth.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link StubResolver} asks and caches.
 *
 * @param servers the recursive resolvers to ask, in order; empty for the system's
 *     ({@code /etc/resolv.conf})
 * @param timeout the longest one lookup may take, CNAME chase and retries over all servers
 *     included; after it the lookup is a {@link DnsResult.TempError}
 * @param cacheEntries the most answers kept; the least recently used goes first
 * @param maxTtl the longest a positive answer is kept, whatever its TTL says
 * @param maxNegativeTtl the longest NXDOMAIN or no-data is kept (RFC 2308 §5 takes the SOA's
 *     values; this caps them)
 * @param trustAnchors null to take answers as they come; else DNSSEC validation (RFC 4035 §5) of
 *     every answer from these trust anchors, DS or DNSKEY records in zone-file form (the root's are
 *     {@link #ROOT_TRUST_ANCHORS}): a bogus answer becomes a {@link DnsResult.TempError}, a proven one
 *     is {@link Validated#secure()}
 */
public record DnsSettings(List<InetSocketAddress> servers, Duration timeout, int cacheEntries, Duration maxTtl,
        Duration maxNegativeTtl, String trustAnchors) {

    /**
     * The DNS root zone's key-signing keys as DS records, as IANA publishes them
     * (https://data.iana.org/root-anchors/root-anchors.xml): KSK-2017 (tag 20326) and KSK-2024 (tag 38696).
     */
    public static final String ROOT_TRUST_ANCHORS = """
            . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
            . IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
            """;

    /** The system's resolvers, 5 s per lookup, 10,000 answers for at most an hour, negatives 15 minutes. */
    public static final DnsSettings DEFAULT = new DnsSettings(List.of(), Duration.ofSeconds(5), 10_000,
            Duration.ofHours(1), Duration.ofMinutes(15), null);

    /** Without DNSSEC validation. */
    public DnsSettings(List<InetSocketAddress> servers, Duration timeout, int cacheEntries, Duration maxTtl,
            Duration maxNegativeTtl) {
        this(servers, timeout, cacheEntries, maxTtl, maxNegativeTtl, null);
    }

    public DnsSettings {
        servers = List.copyOf(servers);
        Objects.requireNonNull(timeout);
        Objects.requireNonNull(maxTtl);
        Objects.requireNonNull(maxNegativeTtl);
        if (timeout.isNegative() || timeout.isZero() || cacheEntries < 0 || maxTtl.isNegative()
                || maxNegativeTtl.isNegative()) {
            throw new IllegalArgumentException("bad DNS settings");
        }
    }

    /** These settings asking {@code servers} instead. */
    public DnsSettings withServers(List<InetSocketAddress> servers) {
        return new DnsSettings(servers, timeout, cacheEntries, maxTtl, maxNegativeTtl, trustAnchors);
    }

    /** These settings with another time limit per lookup. */
    public DnsSettings withTimeout(Duration timeout) {
        return new DnsSettings(servers, timeout, cacheEntries, maxTtl, maxNegativeTtl, trustAnchors);
    }

    /** These settings validating answers from {@code trustAnchors} (see the record's doc); null for none. */
    public DnsSettings withTrustAnchors(String trustAnchors) {
        return new DnsSettings(servers, timeout, cacheEntries, maxTtl, maxNegativeTtl, trustAnchors);
    }

    /** True when answers are validated. */
    public boolean validates() {
        return trustAnchors != null;
    }
}
