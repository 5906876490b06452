package io.yubin.delivery.mtasts;

import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.MxRecord;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** A DNS of fixed answers for the unit tests of one class (the end-to-end test uses BIND 9). */
final class FixedDns implements DnsResolver {

    final Map<String, DnsResult<String>> txt = new ConcurrentHashMap<>();
    final Map<String, InetAddress> a = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<DnsResult<String>> txt(String name) {
        return CompletableFuture.completedFuture(txt.getOrDefault(name, new DnsResult.NxDomain<>()));
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> a(String name) {
        InetAddress address = a.get(name);
        return CompletableFuture.completedFuture(address == null ? new DnsResult.NxDomain<>()
                : new DnsResult.Answer<>(List.of(address)));
    }

    @Override
    public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
        return CompletableFuture.completedFuture(new DnsResult.NoData<>());
    }

    @Override
    public CompletionStage<DnsResult<MxRecord>> mx(String name) {
        return CompletableFuture.completedFuture(new DnsResult.NoData<>());
    }

    @Override
    public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
        return CompletableFuture.completedFuture(new DnsResult.NoData<>());
    }
}
