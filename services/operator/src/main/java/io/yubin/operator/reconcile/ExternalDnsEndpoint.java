package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.crd.MailDomainStatus.RecordStatus;
import io.yubin.operator.dns.DnsPublishException;
import io.yubin.operator.dns.DnsPublisher;
import io.yubin.operator.dns.DnsRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Hands the records to ExternalDNS as one DNSEndpoint resource (externaldns.k8s.io/v1alpha1,
 * ExternalDNS's crd source), owned by the MailDomain. ExternalDNS does the publishing, so the
 * records are listed as not published by the operator.
 */
final class ExternalDnsEndpoint implements DnsPublisher {

    static final ResourceDefinitionContext DNS_ENDPOINT = new ResourceDefinitionContext.Builder()
            .withGroup("externaldns.k8s.io").withVersion("v1alpha1").withKind("DNSEndpoint")
            .withPlural("dnsendpoints").withNamespaced(true).build();

    private final KubernetesClient client;
    private final MailDomain owner;
    private final DomainSettings domain;

    ExternalDnsEndpoint(KubernetesClient client, MailDomain owner, DomainSettings domain) {
        this.client = client;
        this.owner = owner;
        this.domain = domain;
    }

    static String name(DomainSettings domain) {
        return domain.domain().replace('.', '-') + "-mail";
    }

    @Override
    public Outcome publish(List<DnsRecord> desired, List<RecordStatus> previous) throws DnsPublishException {
        Map<String, Map<String, Object>> endpoints = new LinkedHashMap<>();
        for (DnsRecord record : desired) {
            Map<String, Object> endpoint = endpoints.computeIfAbsent(record.name() + " " + record.type(), k -> {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("dnsName", record.name().substring(0, record.name().length() - 1));
                e.put("recordType", record.type());
                e.put("recordTTL", Math.toIntExact(record.ttl()));
                e.put("targets", new ArrayList<String>());
                return e;
            });
            @SuppressWarnings("unchecked")
            List<String> targets = (List<String>) endpoint.get("targets");
            targets.add(target(record));
        }
        GenericKubernetesResource resource = new GenericKubernetesResource();
        resource.setApiVersion("externaldns.k8s.io/v1alpha1");
        resource.setKind("DNSEndpoint");
        resource.setMetadata(Owned.metadata(owner, name(domain)));
        resource.setAdditionalProperty("spec", Map.of("endpoints", new ArrayList<>(endpoints.values())));
        int changes = 0;
        try {
            var resources = client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(owner.getMetadata().getNamespace());
            GenericKubernetesResource existing = resources.withName(name(domain)).get();
            if (existing == null) {
                resources.resource(resource).create();
                changes = 1;
            } else if (!Objects.equals(existing.getAdditionalProperties().get("spec"),
                    resource.getAdditionalProperties().get("spec"))) {
                resource.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
                resources.resource(resource).update();
                changes = 1;
            }
        } catch (KubernetesClientException e) {
            throw new DnsPublishException(e.getCode() == 404 ? "ExternalDnsMissing" : "DnsError",
                    "cannot write DNSEndpoint " + name(domain) + " (HTTP " + e.getCode() + "): "
                            + (e.getCode() == 404 ? "is ExternalDNS's DNSEndpoint CRD installed?" : e.getMessage()), e);
        }
        List<RecordStatus> records = desired.stream()
                .map(r -> new RecordStatus(r.name(), r.type(), r.ttl(), r.value(), false, true)).toList();
        return new Outcome(records, changes);
    }

    @Override
    public void remove(List<RecordStatus> previous) throws DnsPublishException {
        try {
            client.genericKubernetesResources(DNS_ENDPOINT).inNamespace(owner.getMetadata().getNamespace())
                    .withName(name(domain)).delete();
        } catch (KubernetesClientException e) {
            throw new DnsPublishException("DnsError", "cannot delete DNSEndpoint " + name(domain) + ": "
                    + e.getMessage(), e);
        }
    }

    /** ExternalDNS targets: a TXT's text unquoted and joined, other RDATA without the final dots. */
    private static String target(DnsRecord record) {
        if (record.type().equals("TXT")) {
            StringBuilder text = new StringBuilder();
            String v = record.value();
            boolean quoted = false;
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if (c == '\\' && i + 1 < v.length()) {
                    text.append(v.charAt(++i));
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (quoted) {
                    text.append(c);
                }
            }
            return text.toString();
        }
        return record.value().endsWith(".") ? record.value().substring(0, record.value().length() - 1) : record.value();
    }
}
