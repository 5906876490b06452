package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.OperatorSettings;
import io.yubin.operator.SpecException;
import io.yubin.operator.admin.DomainRegistry;
import io.yubin.operator.admin.RegistrationException;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.crd.MailDomainStatus;
import io.yubin.operator.crd.MailDomainStatus.Condition;
import io.yubin.operator.crd.MailDomainStatus.RecordStatus;
import io.yubin.operator.dkim.DkimKeyPair;
import io.yubin.operator.dns.ClientAutoconfig;
import io.yubin.operator.dns.DnsPublishException;
import io.yubin.operator.dns.DnsPublisher;
import io.yubin.operator.dns.DnsRecord;
import io.yubin.operator.dns.MailRecords;
import io.yubin.operator.dns.MtaStsPolicy;
import io.yubin.operator.dns.Rfc2136Publisher;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one MailDomain to what its spec asks: the DKIM key Secret, the DNS records, the
 * certificate, the registration with the mail cluster, then status. Level-based: it reads what
 * is there and changes only what differs, so running it again changes nothing. A step that fails
 * sets its condition False with a reason and a message a person can act on; the later steps that
 * do not need it still run. A spec the operator cannot use publishes nothing at all.
 */
public final class MailDomainReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(MailDomainReconciler.class);

    /** Removes the published records and unregisters the domain before the resource goes. */
    public static final String FINALIZER = "yubin.io/cleanup";
    /** A ready resource is looked at again this often (certificate renewal, drift in DNS). */
    static final Duration RESYNC = Duration.ofHours(1);

    /** What the controller does next: retry with backoff, or look again after {@code requeueAfter} (null: on change only). */
    public record Result(boolean retry, Duration requeueAfter) {

        static Result retryLater() {
            return new Result(true, null);
        }

        static Result after(Duration duration) {
            return new Result(false, duration);
        }
    }

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private final DomainRegistry registry;
    private final Clock clock;
    private final DkimKeySecret dkimKeys;
    private final TlsCertificate certificates;
    private final MtaStsPolicyConfigMap mtaStsPolicies;
    private final EventRecorder events;

    public MailDomainReconciler(KubernetesClient client, OperatorSettings settings, SecureRandom random, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.registry = settings.adminUrl() == null ? null : new DomainRegistry(settings.adminUrl());
        this.clock = clock;
        this.dkimKeys = new DkimKeySecret(client, random);
        this.mtaStsPolicies = new MtaStsPolicyConfigMap(client);
        this.certificates = new TlsCertificate(client, random, clock);
        this.events = new EventRecorder(client, clock);
    }

    public Result reconcile(MailDomain resource) {
        if (resource.getMetadata().getDeletionTimestamp() != null) {
            return cleanUp(resource);
        }
        if (!resource.hasFinalizer(FINALIZER)) {
            // first, so nothing is published that a delete could leave behind
            resource = client.resource(resource).edit(r -> {
                r.addFinalizer(FINALIZER);
                return r;
            });
        }
        String name = resource.getMetadata().getName();
        MailDomainStatus before = resource.getStatus() == null ? MailDomainStatus.empty() : resource.getStatus();
        Conditions conditions = new Conditions(before.conditions(), resource.getMetadata().getGeneration(), clock);

        DomainSettings domain;
        try {
            domain = DomainSettings.of(name, resource.getSpec());
            claimedElsewhere(resource, domain);
        } catch (SpecException e) {
            for (String type : List.of(Conditions.DKIM_KEY_READY, Conditions.DNS_PUBLISHED, Conditions.CERTIFICATE_READY,
                    Conditions.DOMAIN_REGISTERED)) {
                conditions.set(type, false, "InvalidSpec", "nothing done: " + e.getMessage());
            }
            conditions.summarize();
            finish(resource, before, conditions, new MailDomainStatus(resource.getMetadata().getGeneration(),
                    conditions.list(), before.records(), before.dkim(), before.mtaSts(), before.certificate(),
                    before.managedSecrets()));
            // a change of the spec brings the resource back; retrying the same spec cannot help
            return new Result(false, null);
        }

        boolean retry = false;
        List<String> secrets = new ArrayList<>();

        DkimKeySecret.Keys keys = null;
        Instant now = clock.instant();
        try {
            keys = dkimKeys.ensure(resource, domain, before.dkim(), Duration.ofSeconds(domain.dns().ttl()), now);
            DkimKeyPair key = keys.active().key();
            conditions.set(Conditions.DKIM_KEY_READY, true, "KeyReady", domain.dkim().algorithm().tag()
                    + (key.rsaBits() > 0 ? " " + key.rsaBits() + "-bit" : "") + " key for selector "
                    + keys.active().selector() + " in Secret " + DomainSettings.dkimSecretName(name) + " (key "
                    + keys.active().selector() + ".key)" + (keys.next() == null ? "" : "; the next key, selector "
                    + keys.next().selector() + ", signs once its record has been published for the DNS TTL"));
        } catch (StepException e) {
            conditions.set(Conditions.DKIM_KEY_READY, false, e.reason(), e.getMessage());
            retry |= e.retry();
        }
        secrets.add(DomainSettings.dkimSecretName(name));
        if (keys != null && keys.next() != null) {
            secrets.add(DkimKeySecret.nextSecretName(name));
        }

        MtaStsPolicy policy = MtaStsPolicy.of(domain);
        List<RecordStatus> records = before.records();
        Instant nextPublishedAt = keys == null ? null : keys.nextPublishedAt();
        if (keys == null) {
            conditions.set(Conditions.DNS_PUBLISHED, false, "DkimKeyMissing",
                    "nothing published: the records wait for the DKIM key");
        } else {
            try {
                // The policy and the client configuration are in place for the servers before the
                // _mta-sts and autoconfig records announce them.
                mtaStsPolicies.ensure(resource, ClientAutoconfig.webFiles(domain, policy));
                List<DnsRecord> desired = MailRecords.of(domain, keys.records(), policy, addresses(resource, domain));
                DnsPublisher.Outcome outcome = publisher(resource, domain).publish(desired, before.records());
                records = outcome.records();
                if (outcome.changes() > 0) {
                    LOG.info("MailDomain {}/{}: {} DNS changes sent", resource.getMetadata().getNamespace(), name,
                            outcome.changes());
                }
                if (keys.next() != null && nextPublishedAt == null) {
                    nextPublishedAt = now;
                }
                conditions.set(Conditions.DNS_PUBLISHED, true, published(domain), publishedMessage(domain, outcome));
            } catch (StepException e) {
                conditions.set(Conditions.DNS_PUBLISHED, false, e.reason(), "nothing published: " + e.getMessage());
                retry |= e.retry();
            } catch (DnsPublishException e) {
                conditions.set(Conditions.DNS_PUBLISHED, false, e.reason(), "nothing published: " + e.getMessage());
                retry = true;
            }
        }
        MailDomainStatus.DkimStatus dkimStatus = keys == null ? before.dkim()
                : new MailDomainStatus.DkimStatus(keys.active().selector(), domain.dkim().algorithm().tag(),
                        keys.active().key().publicKey(), DomainSettings.dkimSecretName(name), keys.since().toString(),
                        keys.next() == null ? null : new MailDomainStatus.NextKey(keys.next().selector(),
                                keys.next().key().publicKey(), nextPublishedAt == null ? null : nextPublishedAt.toString()),
                        keys.retired());

        MailDomainStatus.CertificateStatus certificate = before.certificate();
        try {
            TlsCertificate.Result issued = certificates.ensure(resource, domain, acmeContext(resource, domain));
            certificate = issued.status();
            if (issued.status() != null) {
                secrets.add(issued.status().secretName());
            }
            if (domain.certificate().source() == DomainSettings.CertificateSource.ACME) {
                secrets.add(AcmeIssuer.accountSecretName(resource));
            }
            conditions.set(Conditions.CERTIFICATE_READY, true, issued.reason(), issued.message());
        } catch (StepException e) {
            conditions.set(Conditions.CERTIFICATE_READY, false, e.reason(), e.getMessage());
            retry |= e.retry();
        } catch (DnsPublishException e) {
            conditions.set(Conditions.CERTIFICATE_READY, false, e.reason(), "DNS-01: " + e.getMessage());
            retry = true;
        }

        try {
            conditions.set(Conditions.DOMAIN_REGISTERED, true, "Registered", register(resource, domain));
        } catch (StepException e) {
            conditions.set(Conditions.DOMAIN_REGISTERED, false, e.reason(), e.getMessage());
            retry |= e.retry();
        }

        conditions.summarize();
        finish(resource, before, conditions, new MailDomainStatus(resource.getMetadata().getGeneration(),
                conditions.list(), records, dkimStatus, new MailDomainStatus.MtaStsStatus(policy.id(), policy.text()),
                certificate, secrets));
        if (retry) {
            return Result.retryLater();
        }
        // a key waiting to sign is looked at again once its record has been out for the TTL
        return Result.after(keys != null && keys.next() != null ? Duration.ofSeconds(domain.dns().ttl()) : RESYNC);
    }

    /**
     * Refuses a domain that an older MailDomain of the namespace already has: two resources would
     * publish over each other, and deleting one would take away what the other still wants.
     */
    private void claimedElsewhere(MailDomain resource, DomainSettings domain) throws SpecException {
        for (MailDomain other : client.resources(MailDomain.class).inNamespace(resource.getMetadata().getNamespace())
                .list().getItems()) {
            if (other.getMetadata().getName().equals(resource.getMetadata().getName()) || other.getSpec() == null
                    || !domain.domain().equals(other.getSpec().domain())) {
                continue;
            }
            if (older(other, resource)) {
                throw new SpecException("spec.domain", domain.domain() + " belongs to MailDomain "
                        + other.getMetadata().getName() + " of this namespace; delete one of the two");
            }
        }
    }

    /** Creation time, then name: the same order on every replica and every run. */
    private static boolean older(MailDomain a, MailDomain b) {
        String ta = a.getMetadata().getCreationTimestamp();
        String tb = b.getMetadata().getCreationTimestamp();
        if (ta != null && tb != null && !ta.equals(tb)) {
            return Instant.parse(ta).isBefore(Instant.parse(tb));
        }
        return a.getMetadata().getName().compareTo(b.getMetadata().getName()) < 0;
    }

    private static String published(DomainSettings domain) {
        return domain.dns().provider() == DomainSettings.DnsProvider.NONE ? "ListedOnly" : "Published";
    }

    private static String publishedMessage(DomainSettings domain, DnsPublisher.Outcome outcome) {
        int n = outcome.records().size();
        return switch (domain.dns().provider()) {
            case NONE -> n + " records listed in status.records; provider none publishes nothing, so add them to the zone"
                    + " yourself";
            case RFC2136 -> n + " records in zone " + domain.dns().rfc2136().zone() + " at "
                    + domain.dns().rfc2136().server() + ":" + domain.dns().rfc2136().port();
            case EXTERNALDNS -> n + " records in DNSEndpoint " + ExternalDnsEndpoint.name(domain) + " for ExternalDNS";
        };
    }

    /** The front end's public addresses, from the LoadBalancer Service's status; none when not asked for. */
    private List<InetAddress> addresses(MailDomain resource, DomainSettings domain) throws StepException {
        if (domain.addressService() == null) {
            return List.of();
        }
        String namespace = resource.getMetadata().getNamespace();
        Service service = client.services().inNamespace(namespace).withName(domain.addressService()).get();
        if (service == null) {
            throw new StepException("ServiceNotFound", "Service " + domain.addressService() + " (spec.addressesFrom) "
                    + "not found in namespace " + namespace, true);
        }
        List<InetAddress> addresses = new ArrayList<>();
        if (service.getStatus() != null && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress ingress : service.getStatus().getLoadBalancer().getIngress()) {
                if (ingress.getIp() != null && !ingress.getIp().isEmpty()) {
                    try {
                        // an IP literal: no lookup happens
                        addresses.add(InetAddress.getByName(ingress.getIp()));
                    } catch (UnknownHostException e) {
                        throw new StepException("AddressesPending", "Service " + domain.addressService()
                                + " has an ingress IP that is not an address: " + ingress.getIp(), true);
                    }
                }
            }
        }
        if (addresses.isEmpty()) {
            throw new StepException("AddressesPending", "Service " + domain.addressService()
                    + " has no LoadBalancer ingress IP yet (status.loadBalancer.ingress); waiting for it", true);
        }
        return addresses;
    }

    private DnsPublisher publisher(MailDomain resource, DomainSettings domain) throws StepException,
            DnsPublishException {
        return switch (domain.dns().provider()) {
            case NONE -> DnsPublisher.LIST_ONLY;
            case EXTERNALDNS -> new ExternalDnsEndpoint(client, resource, domain);
            case RFC2136 -> {
                DomainSettings.Rfc2136 r = domain.dns().rfc2136();
                String secret = secretValue(resource, r.secretName(), r.secretKey(), "TsigSecretNotFound",
                        "the TSIG key " + r.tsigKeyName() + " (spec.dns.rfc2136.tsig.secretRef)");
                yield new Rfc2136Publisher(r.server(), r.port(), r.zone(), r.tsigKeyName(), r.tsigAlgorithm(), secret,
                        settings.dnsTimeout());
            }
        };
    }

    /** What source acme needs: the zone's RFC 2136 publisher and the directory's CA; null for other sources. */
    private TlsCertificate.AcmeContext acmeContext(MailDomain resource, DomainSettings domain) throws StepException,
            DnsPublishException {
        if (domain.certificate().source() != DomainSettings.CertificateSource.ACME) {
            return null;
        }
        DomainSettings.Acme acme = domain.certificate().acme();
        String ca = acme.caSecretName() == null ? null : secretValue(resource, acme.caSecretName(), acme.caSecretKey(),
                "AcmeCaSecretNotFound", "the PEM CA certificate of the ACME directory");
        return new TlsCertificate.AcmeContext((Rfc2136Publisher) publisher(resource, domain), ca);
    }

    private String register(MailDomain resource, DomainSettings domain) throws StepException {
        if (registry == null) {
            throw new StepException("RegistrationNotConfigured", "the operator runs without --admin-url, so "
                    + domain.domain() + " is not registered with the mail cluster; start it with --admin-url", false);
        }
        String token = secretValue(resource, settings.adminTokenSecret(), settings.adminTokenKey(),
                "AdminTokenSecretNotFound", "the admin API token");
        try {
            if (registry.register(domain.domain(), token.strip())) {
                LOG.info("{} registered with the admin API at {}", domain.domain(), registry.base());
            }
            // the state, not the action: a message that changed from one reconcile to the next would rewrite status
            return domain.domain() + " is registered with the admin API at " + registry.base();
        } catch (RegistrationException e) {
            throw new StepException(e.reason(), e.getMessage(), true);
        }
    }

    /** The text of one key of a Secret in the resource's namespace. */
    private String secretValue(MailDomain resource, String name, String key, String reason, String what)
            throws StepException {
        String namespace = resource.getMetadata().getNamespace();
        Secret secret;
        try {
            secret = client.secrets().inNamespace(namespace).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new StepException(reason, "cannot read Secret " + name + " in namespace " + namespace + " ("
                    + e.getCode() + "); the operator's service account needs get on secrets", true);
        }
        if (secret == null) {
            throw new StepException(reason, "Secret " + name + " not found in namespace " + namespace + "; create it"
                    + " with " + what + " under the key " + key, true);
        }
        String value = null;
        if (secret.getData() != null && secret.getData().get(key) != null) {
            value = new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
        } else if (secret.getStringData() != null) {
            value = secret.getStringData().get(key);
        }
        if (value == null || value.isBlank()) {
            throw new StepException(reason, "Secret " + name + " in namespace " + namespace + " has no key " + key
                    + "; put " + what + " there", true);
        }
        return value;
    }

    /** Writes status when it changed, and an event for every condition that changed. */
    private void finish(MailDomain resource, MailDomainStatus before, Conditions conditions, MailDomainStatus status) {
        if (!status.equals(before)) {
            // a JSON patch against the latest version, without a resourceVersion lock: status is the
            // operator's alone, and losing this write would lose which records the operator added
            client.resources(MailDomain.class).inNamespace(resource.getMetadata().getNamespace())
                    .withName(resource.getMetadata().getName()).editStatus(r -> {
                        r.setStatus(status);
                        return r;
                    });
        }
        for (Condition c : conditions.transitions()) {
            if (c.type().equals(Conditions.READY) || !c.isTrue()) {
                events.record(resource, c.isTrue() ? "Normal" : "Warning", c.type().equals(Conditions.READY)
                        ? (c.isTrue() ? "Ready" : "NotReady") : c.reason(), c.type() + ": " + c.message());
            }
        }
        Condition ready = conditions.get(Conditions.READY);
        LOG.info("MailDomain {}/{}: Ready={} {}", resource.getMetadata().getNamespace(),
                resource.getMetadata().getName(), ready.status(), ready.message());
    }

    private Result cleanUp(MailDomain resource) {
        if (!resource.hasFinalizer(FINALIZER)) {
            return new Result(false, null);
        }
        MailDomainStatus status = resource.getStatus() == null ? MailDomainStatus.empty() : resource.getStatus();
        boolean anyManaged = status.records().stream().anyMatch(r -> Boolean.TRUE.equals(r.managed()));
        boolean registered = registry != null && isTrue(status, Conditions.DOMAIN_REGISTERED);
        if (anyManaged || registered) {
            try {
                DomainSettings domain = DomainSettings.of(resource.getMetadata().getName(), resource.getSpec());
                if (anyManaged) {
                    publisher(resource, domain).remove(status.records());
                }
                if (registered) {
                    String token = secretValue(resource, settings.adminTokenSecret(), settings.adminTokenKey(),
                            "AdminTokenSecretNotFound", "the admin API token");
                    if (!registry.unregister(domain.domain(), token.strip())) {
                        events.record(resource, "Warning", "DomainKept", domain.domain() + " still has users or"
                                + " aliases, so it stays registered with the mail cluster; remove them, then `yubin"
                                + " domain remove " + domain.domain() + "`");
                    }
                }
            } catch (SpecException | StepException | DnsPublishException | RegistrationException e) {
                events.record(resource, "Warning", "CleanupFailed", "cannot remove what was published ("
                        + e.getMessage() + "); retrying. To give up, remove the finalizer " + FINALIZER + " by hand");
                return Result.retryLater();
            }
        }
        client.resource(resource).edit(r -> {
            r.removeFinalizer(FINALIZER);
            return r;
        });
        LOG.info("MailDomain {}/{}: records removed, finalizer released", resource.getMetadata().getNamespace(),
                resource.getMetadata().getName());
        return new Result(false, null);
    }

    private static boolean isTrue(MailDomainStatus status, String type) {
        Condition c = status.condition(type);
        return c != null && c.isTrue();
    }
}
