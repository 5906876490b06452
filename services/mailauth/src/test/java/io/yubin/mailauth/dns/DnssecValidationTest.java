package io.yubin.mailauth.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.testing.bind9.Bind9Server;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StubResolver} with DNSSEC validation, against BIND 9 serving a zone signed by
 * dnssec-signzone at test time (one record changed after signing) and an unsigned zone.
 */
class DnssecValidationTest {

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static ExecutorService executor;
    static StubResolver validating;
    static StubResolver plain;

    @BeforeAll
    static void start() throws Exception {
        Bind9Server.SignedZone signed = Bind9Server.sign(dir.resolve("keys"), "signed.test", """
                $TTL 300
                @ IN SOA ns.signed.test. hostmaster.signed.test. 1 3600 600 86400 60
                @ IN NS ns.signed.test.
                ns IN A 127.0.0.1
                www IN A 192.0.2.1
                alias IN CNAME www
                away IN CNAME www.plain.test.
                tampered IN A 192.0.2.77
                _25._tcp.www IN TLSA 3 1 1 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF
                """);
        String served = signed.text().replace("192.0.2.77", "192.0.2.78");
        assertThat(served).isNotEqualTo(signed.text());
        bind = new Bind9Server(Files.createDirectories(dir.resolve("dns")), Map.of("signed.test", served,
                "plain.test", """
                $TTL 300
                @ IN SOA ns.plain.test. hostmaster.plain.test. 1 3600 600 86400 60
                @ IN NS ns.plain.test.
                ns IN A 127.0.0.1
                www IN A 198.51.100.1
                """));
        executor = Executors.newCachedThreadPool();
        DnsSettings settings = DnsSettings.DEFAULT.withServers(List.of(bind.address()));
        validating = new StubResolver(settings.withTrustAnchors(signed.trustAnchor()), executor, Clock.systemUTC());
        plain = new StubResolver(settings, executor, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        if (bind != null) {
            bind.close();
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void answersOfTheSignedZoneAreSecureOnlyWhenValidated() throws Exception {
        Validated<InetAddress> proven = get(validating.validatedA("www.signed.test"));
        assertThat(proven.secure()).isTrue();
        assertThat(proven.result().records()).containsExactly(InetAddress.getByName("192.0.2.1"));
        assertThat(get(validating.validatedA("alias.signed.test")).secure()).as("a CNAME inside the zone").isTrue();
        assertThat(get(validating.validatedA("missing.signed.test")))
                .as("a proven NXDOMAIN").isEqualTo(new Validated<>(new DnsResult.NxDomain<>(), true));

        assertThat(get(plain.validatedA("www.signed.test")).secure()).isFalse();
        assertThat(get(plain.a("www.signed.test")).records()).containsExactly(InetAddress.getByName("192.0.2.1"));
    }

    @Test
    void anUnsignedZoneIsInsecureAndSoIsAChainThatLeavesTheSignedZone() throws Exception {
        Validated<InetAddress> unsigned = get(validating.validatedA("www.plain.test"));
        assertThat(unsigned.secure()).isFalse();
        assertThat(unsigned.result().records()).containsExactly(InetAddress.getByName("198.51.100.1"));
        assertThat(get(validating.validatedA("away.signed.test")).secure()).isFalse();
    }

    @Test
    void aRecordChangedAfterSigningIsATemporaryFailureNamingTheValidation() throws Exception {
        DnsResult<InetAddress> bogus = get(validating.a("tampered.signed.test"));
        assertThat(bogus).isInstanceOf(DnsResult.TempError.class);
        assertThat(((DnsResult.TempError<InetAddress>) bogus).reason())
                .startsWith("DNSSEC validation failed for tampered.signed.test. A");

        // Without validation the changed record is taken as it comes.
        assertThat(get(plain.a("tampered.signed.test")).records()).containsExactly(InetAddress.getByName("192.0.2.78"));
    }

    @Test
    void tlsaRecordsAreAskedOnlyWhenValidating() throws Exception {
        Validated<TlsaRecord> proven = get(validating.tlsa("_25._tcp.www.signed.test"));
        assertThat(proven.secure()).isTrue();
        assertThat(proven.result().records()).singleElement().hasToString(
                "3 1 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

        assertThat(get(plain.tlsa("_25._tcp.www.signed.test"))).isEqualTo(Validated.insecure(new DnsResult.NoData<>()));
    }

    @Test
    void theBuiltInRootKeysAreValidTrustAnchors() {
        StubResolver root = new StubResolver(DnsSettings.DEFAULT.withTrustAnchors(DnsSettings.ROOT_TRUST_ANCHORS),
                executor, Clock.systemUTC());
        assertThat(root).isNotNull();
    }

    @Test
    void trustAnchorsWithoutAKeyAreRefused() {
        assertThatThrownBy(() -> new StubResolver(DnsSettings.DEFAULT.withTrustAnchors("; nothing\n"), executor,
                Clock.systemUTC())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no DS or DNSKEY record");
    }
}
