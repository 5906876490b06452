package io.yubin.mailauth.dmarc;

import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.MxRecord;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** TXT records in memory, for unit tests of one class; names asked are recorded. */
final class TxtZone implements DnsResolver {

    private final Map<String, DnsResult<String>> txt = new HashMap<>();
    final java.util.List<String> asked = new java.util.ArrayList<>();

    TxtZone put(String name, String... records) {
        txt.put(name, new DnsResult.Answer<>(List.of(records)));
        return this;
    }

    TxtZone fail(String name) {
        txt.put(name, new DnsResult.TempError<>("SERVFAIL"));
        return this;
    }

    @Override
    public CompletionStage<DnsResult<String>> txt(String name) {
        asked.add(name);
        return CompletableFuture.completedFuture(txt.getOrDefault(name, new DnsResult.NxDomain<>()));
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> a(String name) {
        return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
        return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
    }

    @Override
    public CompletionStage<DnsResult<MxRecord>> mx(String name) {
        return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
    }

    @Override
    public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
        return CompletableFuture.completedFuture(new DnsResult.NxDomain<>());
    }
}
