package io.yubin.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.yubin.operator.admin.DomainRegistry;
import io.yubin.operator.cert.SelfSignedCertificate;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.crd.MailDomainStatus;
import io.yubin.operator.crd.MailDomainStatus.Condition;
import io.yubin.operator.crd.MailDomainStatus.RecordStatus;
import io.yubin.operator.dkim.DkimKeyPair;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * The reconciler and its controller against the mock API server (CRUD mode, the real CRD), a
 * real BIND 9 and the real admin API: what is in status is exactly what DNS serves, deleting
 * takes it away again, and bad specs end in a False condition with nothing published.
 */
class MailDomainReconcilerTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static TestBed bed;

    @BeforeAll
    static void start() throws Exception {
        bed = new TestBed(dir, List.of("example.test", "gone.test", "bad.test", "acme.test", "rotate.test"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (bed != null) {
            bed.close();
        }
    }

    static String exampleSpec(String domain, String zone) {
        return "  domain: " + domain + "\n"
                + "  addressesFrom:\n    service: yubin\n"
                + "  dkim:\n    algorithm: ed25519-sha256\n"
                + "  dmarc:\n    policy: quarantine\n    rua: [mailto:dmarc@" + domain + "]\n"
                + "  tlsRpt:\n    rua: [mailto:tls@" + domain + "]\n"
                + bed.rfc2136(zone);
    }

    static MailDomainController controller(String namespace) {
        MailDomainController controller = new MailDomainController(bed.client, namespace,
                new MailDomainReconciler(bed.client, bed.settings(namespace), new SecureRandom(), Clock.systemUTC()), new SimpleMeterRegistry());
        controller.start();
        return controller;
    }

    static MailDomain awaitStatus(String namespace, String name, Predicate<MailDomainStatus> done) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> bed.get(namespace, name),
                r -> r != null && r.getStatus() != null && done.test(r.getStatus()));
    }

    static Predicate<MailDomainStatus> condition(String type, String status) {
        return s -> s.condition(type) != null && s.condition(type).status().equals(status);
    }

    /** What BIND serves at a name and type, each value in dnsjava's form. */
    static Set<String> served(String name, String type) throws IOException {
        Set<String> values = new HashSet<>();
        for (Record r : bed.named.records(name, Type.value(type))) {
            values.add(r.rdataToString());
        }
        return values;
    }

    static String normalized(RecordStatus r) throws IOException {
        return Record.fromString(Name.fromString(r.name()), Type.value(r.type()), DClass.IN, r.ttl(), r.value(),
                Name.root).rdataToString();
    }

    /** The hand-made records of {@link TestBed#HAND_MADE} at a name and type of {@code zone}. */
    static Set<String> handMade(String zone, String name, String type) {
        Map<String, Set<String>> hand = new HashMap<>();
        hand.put(zone + ". MX", Set.of("5 backup.example.net."));
        hand.put(zone + ". TXT", Set.of("\"site-verification=abc\""));
        hand.put("_dmarc." + zone + ". TXT", Set.of("\"v=DMARC1; p=reject; rua=mailto:someone@example.net\""));
        return hand.getOrDefault(name + " " + type, Set.of());
    }

    static long serial(String zone) throws IOException {
        return ((SOARecord) bed.named.records(zone, Type.SOA).get(0)).getSerial();
    }

    @Test
    void reconcilesIntoAKeyRecordsACertificateAndARegistration() throws Exception {
        String ns = "mail";
        bed.prepareNamespace(ns);
        MailDomain created = bed.create(ns, "example-test", exampleSpec("example.test", "example.test"));
        MailDomain ready;
        try (MailDomainController controller = controller(ns)) {
            ready = awaitStatus(ns, "example-test", condition("Ready", "True"));
        }
        MailDomainStatus status = ready.getStatus();
        assertThat(status.conditions()).extracting(Condition::type).containsExactly("DkimKeyReady", "DnsPublished",
                "CertificateReady", "DomainRegistered", "Ready");
        assertThat(status.conditions()).allMatch(Condition::isTrue);
        assertThat(status.observedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
        assertThat(ready.getMetadata().getFinalizers()).contains(MailDomainReconciler.FINALIZER);

        // the DKIM key: one Secret owned by the resource, <selector>.key in PKCS#8 PEM
        Secret dkim = bed.client.secrets().inNamespace(ns).withName("example-test-dkim").get();
        assertThat(dkim.getData()).containsOnlyKeys("yubin.key");
        assertThat(dkim.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));
        DkimKeyPair key = DkimKeyPair.parse(new String(Base64.getDecoder().decode(dkim.getData().get("yubin.key")),
                StandardCharsets.US_ASCII));
        assertThat(status.dkim().publicKey()).isEqualTo(key.publicKey());

        // DNS serves exactly the records in status, beside the hand-made ones
        assertThat(status.records()).hasSizeGreaterThan(15).allMatch(RecordStatus::published);
        assertThat(status.records()).extracting(RecordStatus::name).contains("example.test.",
                "yubin._domainkey.example.test.", "_dmarc.example.test.", "_mta-sts.example.test.",
                "_smtp._tls.example.test.", "_imaps._tcp.example.test.", "mail.example.test.", "mta-sts.example.test.");
        Map<String, Set<String>> expected = new HashMap<>();
        for (RecordStatus r : status.records()) {
            expected.computeIfAbsent(r.name() + " " + r.type(), k -> new HashSet<>(handMade("example.test", r.name(),
                    r.type()))).add(normalized(r));
        }
        for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
            String[] nameType = e.getKey().split(" ");
            assertThat(served(nameType[0], nameType[1])).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(served("mail.example.test.", "AAAA")).hasSize(1);

        // the certificate covers the MX host, the MTA-STS host and the autoconfig host
        Secret tls = bed.client.secrets().inNamespace(ns).withName("example-test-tls").get();
        assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
        assertThat(SelfSignedCertificate.dnsNames(SelfSignedCertificate.read(new String(Base64.getDecoder().decode(
                tls.getData().get("tls.crt")), StandardCharsets.US_ASCII))))
                .containsExactlyInAnyOrder("mail.example.test", "mta-sts.example.test", "autoconfig.example.test");

        // the MTA-STS policy, for the servers to serve at https://mta-sts.example.test/.well-known/mta-sts.txt,
        // and the mail client configuration, at https://autoconfig.example.test/mail/config-v1.1.xml
        io.fabric8.kubernetes.api.model.ConfigMap policy = bed.client.configMaps().inNamespace(ns)
                .withName("example-test-mta-sts").get();
        assertThat(policy.getData())
                .containsOnlyKeys("example.test.txt", "example.test.autoconfig.xml", "example.test.autodiscover.xml")
                .containsEntry("example.test.txt", status.mtaSts().policy());
        assertThat(policy.getData().get("example.test.autoconfig.xml"))
                .contains("<hostname>mail.example.test</hostname>", "<port>993</port>");
        assertThat(policy.getData().get("example.test.autodiscover.xml"))
                .contains("<Server>mail.example.test</Server>", "<LoginName>%EMAILADDRESS%</LoginName>");
        assertThat(status.mtaSts().policy()).startsWith("version: STSv1\r\nmode: ");
        assertThat(policy.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));

        // SMTP now accepts mail for the domain
        assertThat(new DomainRegistry(bed.adminUrl()).isRegistered("example.test", TestBed.ADMIN_TOKEN)).isTrue();

        List<Event> events = bed.client.v1().events().inNamespace(ns).list().getItems();
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getInvolvedObject().getName()).isEqualTo("example-test");
            assertThat(e.getReason()).isEqualTo("Ready");
        });

        // level-based: reconciling again changes nothing, neither the resource nor the zone
        long serial = serial("example.test");
        String version = ready.getMetadata().getResourceVersion();
        MailDomainReconciler.Result again = new MailDomainReconciler(bed.client, bed.settings(ns), new SecureRandom(),
                Clock.systemUTC()).reconcile(ready);
        assertThat(again.retry()).isFalse();
        MailDomain after = bed.get(ns, "example-test");
        assertThat(after.getStatus()).isEqualTo(ready.getStatus());
        assertThat(after.getMetadata().getResourceVersion()).isEqualTo(version);
        assertThat(bed.client.secrets().inNamespace(ns).withName("example-test-dkim").get().getData())
                .isEqualTo(dkim.getData());
        assertThat(bed.client.configMaps().inNamespace(ns).withName("example-test-mta-sts").get().getMetadata()
                .getResourceVersion()).isEqualTo(policy.getMetadata().getResourceVersion());
        assertThat(serial("example.test")).isEqualTo(serial);
    }

    @Test
    void aDomainWaitingForItsLoadBalancerAddressIsReconciledWhenTheServiceGetsIt() throws Exception {
        String ns = "lb";
        bed.prepareNamespace(ns);
        io.fabric8.kubernetes.api.model.Service waiting = bed.client.services().inNamespace(ns).withName("yubin").get();
        waiting.getStatus().getLoadBalancer().setIngress(List.of());
        bed.client.services().inNamespace(ns).resource(waiting).updateStatus();
        bed.create(ns, "lb-test", exampleSpec("lb.example.test", "example.test"));
        // A first retry an hour away: only the watch on the Service can bring the resource back in time.
        try (MailDomainController controller = new MailDomainController(bed.client, ns,
                new MailDomainReconciler(bed.client, bed.settings(ns), new SecureRandom(), Clock.systemUTC()),
                new SimpleMeterRegistry(), Duration.ofHours(1))) {
            controller.start();
            MailDomain pending = awaitStatus(ns, "lb-test", condition("DnsPublished", "False"));
            assertThat(pending.getStatus().condition("DnsPublished").reason()).isEqualTo("AddressesPending");

            io.fabric8.kubernetes.api.model.Service now = bed.client.services().inNamespace(ns).withName("yubin").get();
            now.getStatus().getLoadBalancer().setIngress(List.of(new io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder()
                    .withIp("192.0.2.20").build()));
            bed.client.services().inNamespace(ns).resource(now).updateStatus();

            MailDomain ready = awaitStatus(ns, "lb-test", condition("Ready", "True"));
            assertThat(ready.getStatus().records()).anySatisfy(r -> {
                assertThat(r.name()).isEqualTo("mail.lb.example.test.");
                assertThat(r.value()).isEqualTo("192.0.2.20");
            });
        }
    }

    @Test
    void deletingRemovesTheRecordsAndUnregistersTheDomain() throws Exception {
        String ns = "gone";
        bed.prepareNamespace(ns);
        bed.create(ns, "gone-test", exampleSpec("gone.test", "gone.test"));
        try (MailDomainController controller = controller(ns)) {
            MailDomain ready = awaitStatus(ns, "gone-test", condition("Ready", "True"));
            assertThat(served("gone.test.", "MX")).contains("10 mail.gone.test.");
            assertThat(new DomainRegistry(bed.adminUrl()).isRegistered("gone.test", TestBed.ADMIN_TOKEN)).isTrue();

            bed.client.resource(ready).delete();
            await().atMost(WAIT).until(() -> bed.get(ns, "gone-test") == null);
            for (RecordStatus r : ready.getStatus().records()) {
                assertThat(served(r.name(), r.type())).as(r.name() + " " + r.type())
                        .isEqualTo(handMade("gone.test", r.name(), r.type()));
            }
            assertThat(new DomainRegistry(bed.adminUrl()).isRegistered("gone.test", TestBed.ADMIN_TOKEN)).isFalse();
        }
    }

    @Test
    void badSpecsEndInAFalseConditionWithNothingPublished() throws Exception {
        String ns = "bad";
        bed.prepareNamespace(ns);
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        // the mock API server does not validate against the schema, so these reach the operator
        bed.create(ns, "invalid-domain", "  domain: Bad..bad.test\n");
        bed.create(ns, "unknown-provider", "  domain: p.bad.test\n  dns:\n    provider: route53\n");
        bed.create(ns, "missing-tsig", "  domain: t.bad.test\n" + bed.rfc2136("bad.test").replace("dns-tsig", "absent"));
        bed.create(ns, "unreachable-dns", "  domain: u.bad.test\n"
                + bed.rfc2136("bad.test").replace("port: " + bed.named.address().getPort(), "port: " + closed));
        long serial = serial("bad.test");
        try (MailDomainController controller = controller(ns)) {
            MailDomain invalid = awaitStatus(ns, "invalid-domain", condition("Ready", "False"));
            assertThat(invalid.getStatus().condition("Ready").reason()).isEqualTo("InvalidSpec");
            assertThat(invalid.getStatus().condition("Ready").message())
                    .contains("spec.domain: \"Bad..bad.test\" is not a valid domain name");
            assertThat(bed.client.secrets().inNamespace(ns).withName("invalid-domain-dkim").get()).isNull();

            MailDomain provider = awaitStatus(ns, "unknown-provider", condition("Ready", "False"));
            assertThat(provider.getStatus().condition("DnsPublished").message())
                    .contains("unknown provider \"route53\"; use rfc2136, externaldns or none");

            MailDomain tsig = awaitStatus(ns, "missing-tsig", condition("DnsPublished", "False"));
            assertThat(tsig.getStatus().condition("DnsPublished").reason()).isEqualTo("TsigSecretNotFound");
            assertThat(tsig.getStatus().condition("DnsPublished").message())
                    .contains("Secret absent not found in namespace bad");

            MailDomain unreachable = awaitStatus(ns, "unreachable-dns", condition("DnsPublished", "False"));
            assertThat(unreachable.getStatus().condition("DnsPublished").reason()).isEqualTo("DnsUnreachable");
            assertThat(unreachable.getStatus().condition("DnsPublished").message()).contains("127.0.0.1:" + closed);
            assertThat(unreachable.getStatus().condition("Ready").status()).isEqualTo("False");

            // nothing of any of them reached the zone
            assertThat(serial("bad.test")).isEqualTo(serial);
            for (String domain : List.of("p.bad.test.", "t.bad.test.", "u.bad.test.")) {
                assertThat(served(domain, "MX")).isEmpty();
                assertThat(served(domain, "TXT")).isEmpty();
            }

            // and the operator goes on: a good resource beside them becomes ready
            bed.create(ns, "good", exampleSpec("good.bad.test", "bad.test"));
            awaitStatus(ns, "good", condition("Ready", "True"));
            assertThat(served("good.bad.test.", "MX")).containsExactly("10 mail.good.bad.test.");

            // a second resource for the same domain is refused, and the first one keeps its records
            bed.create(ns, "good-again", exampleSpec("good.bad.test", "bad.test"));
            MailDomain again = awaitStatus(ns, "good-again", condition("Ready", "False"));
            assertThat(again.getStatus().condition("DnsPublished").message())
                    .contains("good.bad.test belongs to MailDomain good of this namespace");
            assertThat(bed.get(ns, "good").getStatus().condition("Ready").status()).isEqualTo("True");
            assertThat(bed.client.secrets().inNamespace(ns).withName("good-again-dkim").get()).isNull();
            List<Event> warnings = bed.client.v1().events().inNamespace(ns).list().getItems().stream()
                    .filter(e -> "Warning".equals(e.getType())).toList();
            assertThat(warnings).extracting(Event::getReason).contains("InvalidSpec", "TsigSecretNotFound",
                    "DnsUnreachable");
        }
    }

    @Test
    void anAcmeCertificateIsIssuedThroughDns01(@TempDir Path pebbleDir) throws Exception {
        String ns = "acme";
        bed.prepareNamespace(ns);
        try (PebbleServer pebble = new PebbleServer(pebbleDir, bed.named.address())) {
            bed.client.secrets().inNamespace(ns).resource(new SecretBuilder().withNewMetadata().withName("pebble-ca")
                    .endMetadata().addToStringData("ca.crt", pebble.tlsCertificatePem).build()).create();
            bed.create(ns, "acme-test", exampleSpec("acme.test", "acme.test")
                    + "  certificate:\n    source: acme\n    acme:\n      directoryUrl: " + pebble.directoryUrl()
                    + "\n      email: postmaster@acme.test\n      caSecretRef:\n        name: pebble-ca\n");
            MailDomain ready;
            try (MailDomainController controller = controller(ns)) {
                ready = awaitStatus(ns, "acme-test", condition("Ready", "True"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(bed.get(ns, "acme-test").getStatus() + "\n" + pebble.log(), e);
            }
            assertThat(ready.getStatus().condition("CertificateReady").reason()).isEqualTo("Issued");
            Secret tls = bed.client.secrets().inNamespace(ns).withName("acme-test-tls").get();
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(
                    new ByteArrayInputStream(Base64.getDecoder().decode(tls.getData().get("tls.crt"))))) {
                chain.add((X509Certificate) c);
            }
            assertThat(chain).hasSizeGreaterThanOrEqualTo(2);
            assertThat(SelfSignedCertificate.dnsNames(chain.get(0)))
                    .containsExactlyInAnyOrder("mail.acme.test", "mta-sts.acme.test", "autoconfig.acme.test");
            assertThat(chain.get(0).getIssuerX500Principal().getName()).contains("Pebble");
            assertThat(ready.getStatus().managedSecrets()).contains("acme-test-acme-account");
            // the challenge records went again
            assertThat(served("_acme-challenge.mail.acme.test.", "TXT")).isEmpty();
            assertThat(served("_acme-challenge.mta-sts.acme.test.", "TXT")).isEmpty();
        }
    }

    @Test
    void externalDnsAndCertManagerGetTheirResources() throws Exception {
        String ns = "providers";
        bed.prepareNamespace(ns);
        MailDomain created = bed.create(ns, "ext-test", "  domain: ext.test\n  dkim:\n    algorithm: ed25519-sha256\n"
                + "  dns:\n    provider: externaldns\n    ttl: 600\n"
                + "  certificate:\n    source: cert-manager\n    certManager:\n      issuerRef:\n"
                + "        name: letsencrypt\n        kind: ClusterIssuer\n");
        MailDomainReconciler reconciler = new MailDomainReconciler(bed.client, bed.settings(ns), new SecureRandom(),
                Clock.systemUTC());
        MailDomainReconciler.Result first = reconciler.reconcile(created);
        // cert-manager has not issued yet: retried with backoff
        assertThat(first.retry()).isTrue();
        MailDomain pending = bed.get(ns, "ext-test");
        assertThat(pending.getStatus().condition("DnsPublished").reason()).isEqualTo("Published");
        assertThat(pending.getStatus().condition("CertificateReady").reason()).isEqualTo("CertificatePending");
        assertThat(pending.getStatus().records()).allMatch(r -> !r.published() && r.managed());

        GenericKubernetesResource endpoint = bed.client.genericKubernetesResources(ExternalDnsEndpoint.DNS_ENDPOINT)
                .inNamespace(ns).withName("ext-test-mail").get();
        assertThat(endpoint.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) ((Map<String, Object>) endpoint
                .getAdditionalProperties().get("spec")).get("endpoints");
        assertThat(endpoints).anySatisfy(e -> {
            assertThat(e.get("dnsName")).isEqualTo("ext.test");
            assertThat(e.get("recordType")).isEqualTo("MX");
            assertThat(e.get("recordTTL")).isEqualTo(600);
            assertThat(e.get("targets")).isEqualTo(List.of("10 mail.ext.test"));
        });
        assertThat(endpoints).anySatisfy(e -> {
            assertThat(e.get("dnsName")).isEqualTo("_dmarc.ext.test");
            assertThat(e.get("targets")).isEqualTo(List.of("v=DMARC1; p=none"));
        });

        GenericKubernetesResource certificate = bed.client.genericKubernetesResources(TlsCertificate.CERTIFICATE)
                .inNamespace(ns).withName("ext-test-tls").get();
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) certificate.getAdditionalProperties().get("spec");
        assertThat(spec.get("secretName")).isEqualTo("ext-test-tls");
        assertThat(spec.get("dnsNames")).isEqualTo(List.of("mail.ext.test", "mta-sts.ext.test", "autoconfig.ext.test"));
        assertThat(spec.get("issuerRef")).isEqualTo(Map.of("name", "letsencrypt", "kind", "ClusterIssuer",
                "group", "cert-manager.io"));

        // cert-manager reports the certificate ready: the condition follows
        certificate.setAdditionalProperty("status", Map.of("notAfter", "2027-03-01T00:00:00Z",
                "conditions", List.of(Map.of("type", "Ready", "status", "True"))));
        bed.client.genericKubernetesResources(TlsCertificate.CERTIFICATE).inNamespace(ns).resource(certificate)
                .update();
        String endpointVersion = endpoint.getMetadata().getResourceVersion();
        MailDomainReconciler.Result second = reconciler.reconcile(bed.get(ns, "ext-test"));
        assertThat(second.retry()).isFalse();
        MailDomain ready = bed.get(ns, "ext-test");
        assertThat(ready.getStatus().condition("CertificateReady").reason()).isEqualTo("Issued");
        assertThat(ready.getStatus().certificate().notAfter()).isEqualTo("2027-03-01T00:00:00Z");
        assertThat(ready.getStatus().condition("Ready").status()).isEqualTo("True");
        // the DNSEndpoint was already right: not written again
        assertThat(bed.client.genericKubernetesResources(ExternalDnsEndpoint.DNS_ENDPOINT).inNamespace(ns)
                .withName("ext-test-mail").get().getMetadata().getResourceVersion()).isEqualTo(endpointVersion);
    }

    /** A clock the test moves. */
    static final class MovingClock extends Clock {
        private volatile Instant now;

        MovingClock(Instant start) {
            now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        void set(Instant to) {
            now = to;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void aDkimKeyRotatesPublishingFirstAndRemovingTheOldRecordLater() throws Exception {
        String ns = "rotate";
        bed.prepareNamespace(ns);
        bed.create(ns, "rotate-test", exampleSpec("rotate.test", "rotate.test")
                .replace("algorithm: ed25519-sha256\n", "algorithm: ed25519-sha256\n    rotateAfterDays: 30\n"));
        MovingClock clock = new MovingClock(Instant.parse("2030-01-01T00:00:00Z"));
        MailDomainReconciler reconciler = new MailDomainReconciler(bed.client, bed.settings(ns), new SecureRandom(), clock);
        java.util.function.Supplier<Set<String>> signing = () -> bed.client.secrets().inNamespace(ns)
                .withName("rotate-test-dkim").get().getData().keySet();

        reconciler.reconcile(bed.get(ns, "rotate-test"));
        assertThat(signing.get()).containsExactly("yubin-20300101.key");
        assertThat(served("yubin-20300101._domainkey.rotate.test.", "TXT")).hasSize(1);

        // 31 days on: the next key's record goes out first; the old key still signs
        clock.advance(Duration.ofDays(31));
        reconciler.reconcile(bed.get(ns, "rotate-test"));
        MailDomainStatus.DkimStatus dkim = bed.get(ns, "rotate-test").getStatus().dkim();
        assertThat(dkim.selector()).isEqualTo("yubin-20300101");
        assertThat(dkim.next().selector()).isEqualTo("yubin-20300201");
        assertThat(dkim.next().publishedAt()).isEqualTo("2030-02-01T00:00:00Z");
        assertThat(signing.get()).containsExactly("yubin-20300101.key");
        assertThat(bed.client.secrets().inNamespace(ns).withName("rotate-test-dkim-next").get().getData())
                .containsOnlyKeys("yubin-20300201.key");
        assertThat(served("yubin-20300201._domainkey.rotate.test.", "TXT")).hasSize(1);

        // within the TTL (300 s) nothing switches
        clock.advance(Duration.ofSeconds(299));
        reconciler.reconcile(bed.get(ns, "rotate-test"));
        assertThat(signing.get()).containsExactly("yubin-20300101.key");

        // after it, the new key signs; the old record stays
        clock.advance(Duration.ofSeconds(1));
        reconciler.reconcile(bed.get(ns, "rotate-test"));
        dkim = bed.get(ns, "rotate-test").getStatus().dkim();
        assertThat(signing.get()).containsExactly("yubin-20300201.key");
        assertThat(bed.client.secrets().inNamespace(ns).withName("rotate-test-dkim-next").get()).isNull();
        assertThat(dkim.selector()).isEqualTo("yubin-20300201");
        assertThat(dkim.next()).isNull();
        assertThat(dkim.retired()).extracting(MailDomainStatus.RetiredKey::selector).containsExactly("yubin-20300101");
        assertThat(served("yubin-20300101._domainkey.rotate.test.", "TXT")).hasSize(1);
        assertThat(served("yubin-20300201._domainkey.rotate.test.", "TXT")).hasSize(1);

        // a week later the old record goes
        clock.advance(Duration.ofDays(7).plusSeconds(1));
        reconciler.reconcile(bed.get(ns, "rotate-test"));
        assertThat(bed.get(ns, "rotate-test").getStatus().dkim().retired()).isEmpty();
        assertThat(served("yubin-20300101._domainkey.rotate.test.", "TXT")).isEmpty();
        assertThat(served("yubin-20300201._domainkey.rotate.test.", "TXT")).hasSize(1);
        assertThat(bed.get(ns, "rotate-test").getStatus().condition("Ready").status()).isEqualTo("True");

        // the certificate (self-signed here; ACME takes the same path) is renewed 30 days before it ends
        java.util.function.Supplier<String> tlsCrt = () -> bed.client.secrets().inNamespace(ns)
                .withName("rotate-test-tls").get().getData().get("tls.crt");
        String first = tlsCrt.get();
        assertThat(bed.get(ns, "rotate-test").getStatus().certificate().notAfter()).isEqualTo("2031-01-01T00:00:00Z");
        clock.set(Instant.parse("2030-12-01T00:00:00Z"));
        reconciler.reconcile(bed.get(ns, "rotate-test"));
        assertThat(tlsCrt.get()).as("31 days left: kept").isEqualTo(first);
        clock.set(Instant.parse("2030-12-03T00:00:01Z"));
        reconciler.reconcile(bed.get(ns, "rotate-test"));
        assertThat(tlsCrt.get()).as("29 days left: renewed").isNotEqualTo(first);
        assertThat(bed.get(ns, "rotate-test").getStatus().certificate().notAfter()).isEqualTo("2031-12-03T00:00:01Z");
        assertThat(bed.get(ns, "rotate-test").getStatus().condition("CertificateReady").status()).isEqualTo("True");
    }
}
