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
 */
public record DnsSettings(List<InetSocketAddress> servers, Duration timeout, int cacheEntries, Duration maxTtl,
        Duration maxNegativeTtl) {

    /** The system's resolvers, 5 s per lookup, 10,000 answers for at most an hour, negatives 15 minutes. */
    public static final DnsSettings DEFAULT = new DnsSettings(List.of(), Duration.ofSeconds(5), 10_000,
            Duration.ofHours(1), Duration.ofMinutes(15));

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
        return new DnsSettings(servers, timeout, cacheEntries, maxTtl, maxNegativeTtl);
    }

    /** These settings with another time limit per lookup. */
    public DnsSettings withTimeout(Duration timeout) {
        return new DnsSettings(servers, timeout, cacheEntries, maxTtl, maxNegativeTtl);
    }
}
