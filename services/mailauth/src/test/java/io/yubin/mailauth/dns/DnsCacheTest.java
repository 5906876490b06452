package io.yubin.mailauth.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DnsCacheTest {

    private static final DnsCache.Key A = new DnsCache.Key("a.example", 1);
    private static final DnsCache.Key B = new DnsCache.Key("b.example", 1);
    private static final DnsCache.Key C = new DnsCache.Key("c.example", 1);

    @Test
    void forgetsAnEntryWhenItsTtlIsOver() {
        MutableClock clock = new MutableClock();
        DnsCache cache = new DnsCache(10, clock);
        cache.put(A, Validated.insecure(new DnsResult.NxDomain<>()), Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(59));
        assertThat(cache.get(A)).isEqualTo(Validated.insecure(new DnsResult.NxDomain<>()));
        clock.advance(Duration.ofSeconds(1));
        assertThat(cache.get(A)).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void keepsNothingWithAZeroTtl() {
        DnsCache cache = new DnsCache(10, new MutableClock());
        cache.put(A, Validated.insecure(new DnsResult.NoData<>()), Duration.ZERO);
        assertThat(cache.get(A)).isNull();
    }

    @Test
    void dropsTheLeastRecentlyUsedWhenFull() {
        DnsCache cache = new DnsCache(2, new MutableClock());
        cache.put(A, Validated.insecure(new DnsResult.NoData<>()), Duration.ofMinutes(1));
        cache.put(B, Validated.insecure(new DnsResult.NoData<>()), Duration.ofMinutes(1));
        assertThat(cache.get(A)).isNotNull();
        cache.put(C, Validated.insecure(new DnsResult.NoData<>()), Duration.ofMinutes(1));
        assertThat(cache.get(B)).isNull();
        assertThat(cache.get(A)).isNotNull();
        assertThat(cache.get(C)).isNotNull();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void aCacheOfSizeZeroKeepsNothing() {
        DnsCache cache = new DnsCache(0, new MutableClock());
        cache.put(A, Validated.insecure(new DnsResult.NoData<>()), Duration.ofMinutes(1));
        assertThat(cache.get(A)).isNull();
    }
}
