package io.yubin.delivery.dane;

import io.yubin.delivery.tlsrpt.TlsResultType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.delivery.mtasts.TestCa;
import io.yubin.mailauth.dns.DnsResult;
import io.yubin.mailauth.dns.DnsResolver;
import io.yubin.mailauth.dns.MxRecord;
import io.yubin.mailauth.dns.TlsaRecord;
import io.yubin.mailauth.dns.Validated;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The matching rules of RFC 7672 §3.1 and RFC 6698 §2.1, on certificates made here. */
class DaneTrustManagerTest {

    private final TestCa ca;
    private final TestCa.Issued leaf;
    private final X509Certificate[] chain;

    DaneTrustManagerTest() throws Exception {
        ca = new TestCa("DANE unit CA");
        leaf = ca.issue("*.mx.example.test", "mail.example.test");
        chain = new X509Certificate[] {leaf.certificate(), leaf.ca()};
    }

    private static DaneTrustManager manager(String base, TlsaRecord... records) {
        return new DaneTrustManager(new DanePolicy.Required("_25._tcp." + base, base, List.of(records)));
    }

    private static byte[] digest(String algorithm, byte[] data) throws Exception {
        return MessageDigest.getInstance(algorithm).digest(data);
    }

    @Test
    void daneEeMatchesTheLeafByEverySelectorAndMatchingTypeAndIgnoresNames() throws Exception {
        byte[] spki = leaf.certificate().getPublicKey().getEncoded();
        byte[] cert = leaf.certificate().getEncoded();
        for (TlsaRecord record : List.of(new TlsaRecord(3, 1, 1, digest("SHA-256", spki)),
                new TlsaRecord(3, 1, 2, digest("SHA-512", spki)), new TlsaRecord(3, 1, 0, spki),
                new TlsaRecord(3, 0, 1, digest("SHA-256", cert)), new TlsaRecord(3, 0, 0, cert))) {
            assertThatCode(() -> manager("other.example.test", record).check(chain)).as(record.toString())
                    .doesNotThrowAnyException();
        }
        assertThatThrownBy(() -> manager("mail.example.test", new TlsaRecord(3, 1, 1, digest("SHA-256", cert)))
                .check(chain)).isInstanceOf(CertificateException.class)
                .hasMessageContaining("matches no TLSA record of _25._tcp.mail.example.test");
    }

    @Test
    void daneTaNeedsTheChainToTheAnchorAndTheHostNameWithOneLabelWildcards() throws Exception {
        TlsaRecord anchor = new TlsaRecord(2, 0, 1, digest("SHA-256", leaf.ca().getEncoded()));

        assertThatCode(() -> manager("mail.example.test", anchor).check(chain)).doesNotThrowAnyException();
        assertThatCode(() -> manager("a.mx.example.test", anchor).check(chain)).doesNotThrowAnyException();
        assertThatThrownBy(() -> manager("a.b.mx.example.test", anchor).check(chain))
                .hasMessageContaining("does not name a.b.mx.example.test");
        assertThatThrownBy(() -> manager("mx.example.test", anchor).check(chain))
                .hasMessageContaining("does not name mx.example.test");
        // A certificate of another CA, sent with our CA's certificate: the chain does not verify.
        TestCa.Issued stranger = new TestCa("Other CA").issue("mail.example.test");
        assertThatThrownBy(() -> manager("mail.example.test", anchor)
                .check(new X509Certificate[] {stranger.certificate(), leaf.ca()}))
                .hasMessageContaining("is not signed by the next of the chain");
    }

    @Test
    void daneTaWithTheAnchorsWholeKeyNeedsNoAnchorCertificate() throws Exception {
        TlsaRecord key = new TlsaRecord(2, 1, 0, leaf.ca().getPublicKey().getEncoded());

        assertThatCode(() -> manager("mail.example.test", key).check(new X509Certificate[] {leaf.certificate()}))
                .doesNotThrowAnyException();
        TlsaRecord otherKey = new TlsaRecord(2, 1, 0,
                new TestCa("Third CA").issue("x").ca().getPublicKey().getEncoded());
        assertThatThrownBy(() -> manager("mail.example.test", otherKey).check(new X509Certificate[] {leaf.certificate()}))
                .hasMessageContaining("no certificate of the chain matches");
    }

    @Test
    void withoutUsableRecordsAnyCertificateIsTaken() {
        assertThatCode(() -> new DaneTrustManager(new DanePolicy.Required("_25._tcp.x.test", "x.test", List.of()))
                .check(chain)).doesNotThrowAnyException();
    }

    @Test
    void onlyDaneUsagesWithKnownSelectorsAndMatchingTypesAreUsable() {
        assertThat(DaneLookup.usable(new TlsaRecord(3, 1, 1, new byte[32]))).isTrue();
        assertThat(DaneLookup.usable(new TlsaRecord(2, 0, 2, new byte[64]))).isTrue();
        assertThat(DaneLookup.usable(new TlsaRecord(1, 1, 1, new byte[32]))).isFalse();
        assertThat(DaneLookup.usable(new TlsaRecord(0, 0, 1, new byte[32]))).isFalse();
        assertThat(DaneLookup.usable(new TlsaRecord(3, 2, 1, new byte[32]))).isFalse();
        assertThat(DaneLookup.usable(new TlsaRecord(3, 1, 3, new byte[32]))).isFalse();
    }

    @Test
    void theLookupAsksOnlyForProvenHostsAndCountsOnlyProvenRecords() throws Exception {
        TlsaRecord record = new TlsaRecord(3, 1, 1, new byte[32]);
        DaneLookup secure = new DaneLookup(new Tlsa(new Validated<>(new DnsResult.Answer<>(List.of(record)), true)));
        DaneLookup insecure = new DaneLookup(new Tlsa(new Validated<>(new DnsResult.Answer<>(List.of(record)), false)));
        DaneLookup failing = new DaneLookup(new Tlsa(Validated.insecure(new DnsResult.TempError<>("SERVFAIL"))));

        assertThat(policy(secure, "mx.example.test", true))
                .isEqualTo(new DanePolicy.Required("_25._tcp.mx.example.test", "mx.example.test", List.of(record)));
        assertThat(policy(secure, "mx.example.test", false)).isEqualTo(DanePolicy.NONE);
        assertThat(policy(insecure, "mx.example.test", true)).isEqualTo(DanePolicy.NONE);
        assertThat(policy(failing, "mx.example.test", true))
                .isEqualTo(new DanePolicy.Unavailable("TLSA lookup of _25._tcp.mx.example.test failed: SERVFAIL",
                        TlsResultType.DNSSEC_INVALID));
    }

    private static DanePolicy policy(DaneLookup lookup, String host, boolean secure) throws Exception {
        return lookup.policy(host, secure, 25).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** Answers every TLSA lookup with one result. */
    private record Tlsa(Validated<TlsaRecord> answer) implements DnsResolver {
        @Override
        public CompletionStage<Validated<TlsaRecord>> tlsa(String name) {
            return CompletableFuture.completedFuture(answer);
        }

        @Override
        public CompletionStage<DnsResult<String>> txt(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> a(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<DnsResult<InetAddress>> aaaa(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<DnsResult<MxRecord>> mx(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletionStage<DnsResult<String>> ptr(InetAddress address) {
            throw new UnsupportedOperationException();
        }
    }
}
