package io.yubin.mailauth.dns;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers kept for their TTL (RFC 1035 §3.2.1), negative answers for the SOA's negative TTL
 * (RFC 2308 §5), at most {@code maxEntries} of them, the least recently used dropped first. The
 * size bound matters: the names asked come from strangers' mail.
 */
final class DnsCache {

    record Key(String name, int type) {
    }

    private record Entry(Validated<?> result, long expiresAtMillis) {
    }

    private final int maxEntries;
    private final Clock clock;
    private final LinkedHashMap<Key, Entry> entries;

    DnsCache(int maxEntries, Clock clock) {
        this.maxEntries = maxEntries;
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Entry> eldest) {
                return size() > DnsCache.this.maxEntries;
            }
        };
    }

    /** The live entry for {@code key}, or null. */
    synchronized Validated<?> get(Key key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (clock.millis() >= entry.expiresAtMillis) {
            entries.remove(key);
            return null;
        }
        return entry.result;
    }

    /** Keeps {@code result} for {@code ttl}; a zero TTL means "do not cache" (RFC 1035 §3.2.1). */
    synchronized void put(Key key, Validated<?> result, Duration ttl) {
        if (maxEntries == 0 || ttl.isZero() || ttl.isNegative()) {
            return;
        }
        entries.put(key, new Entry(result, clock.millis() + ttl.toMillis()));
    }

    synchronized int size() {
        return entries.size();
    }
}
