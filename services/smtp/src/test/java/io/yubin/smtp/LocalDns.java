package io.yubin.smtp;

import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.testing.bind9.Bind9Server;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A real BIND 9 serving the test's zones, and a resolver that asks it; closing stops both. */
final class LocalDns implements AutoCloseable {

    final Bind9Server bind;
    final ExecutorService executor = Executors.newCachedThreadPool();
    final StubResolver resolver;

    /** @param zones each zone's records, after {@link Bind9Server#ZONE_HEAD} */
    LocalDns(Path dir, Map<String, String> zones) throws Exception {
        bind = new Bind9Server(dir, zones);
        resolver = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), executor, Clock.systemUTC());
    }

    @Override
    public void close() throws Exception {
        executor.shutdownNow();
        bind.close();
    }
}
