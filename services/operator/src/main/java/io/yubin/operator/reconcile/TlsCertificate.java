package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.cert.SelfSignedCertificate;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.crd.MailDomainStatus.CertificateStatus;
import io.yubin.operator.dns.Rfc2136Publisher;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The TLS certificate of the MX hosts and mta-sts.&lt;domain&gt;, in a kubernetes.io/tls Secret
 * (tls.crt, tls.key) that the front-end pods mount: self-signed by the operator, or a cert-manager
 * Certificate that cert-manager fills, or not managed at all.
 */
final class TlsCertificate {

    static final ResourceDefinitionContext CERTIFICATE = new ResourceDefinitionContext.Builder()
            .withGroup("cert-manager.io").withVersion("v1").withKind("Certificate").withPlural("certificates")
            .withNamespaced(true).build();

    /** @param status null when certificates are not managed */
    record Result(CertificateStatus status, String reason, String message) {
    }

    /** The annotation on the TLS Secret that says which source made it, so a change of source replaces it. */
    static final String SOURCE = "yubin.io/certificate-source";

    /** What an ACME issuance needs besides the spec: the zone's publisher and the directory's CA (null: the JDK's). */
    record AcmeContext(Rfc2136Publisher dns, String caPem) {
    }

    private final KubernetesClient client;
    private final SecureRandom random;
    private final Clock clock;
    private final AcmeIssuer acme;

    TlsCertificate(KubernetesClient client, SecureRandom random, Clock clock) {
        this.client = client;
        this.random = random;
        this.clock = clock;
        this.acme = new AcmeIssuer(client, random);
    }

    /** @param acmeContext needed for source acme only */
    Result ensure(MailDomain owner, DomainSettings domain, AcmeContext acmeContext) throws StepException {
        DomainSettings.Certificate c = domain.certificate();
        return switch (c.source()) {
            case NONE -> new Result(null, "NotManaged", "spec.certificate.source is none: the operator manages no certificate");
            case SELF_SIGNED, ACME -> inSecret(owner, domain, acmeContext);
            case CERT_MANAGER -> certManager(owner, domain);
        };
    }

    /** A certificate the operator makes itself (self-signed) or fetches (ACME) into the TLS Secret. */
    private Result inSecret(MailDomain owner, DomainSettings domain, AcmeContext acmeContext) throws StepException {
        String namespace = owner.getMetadata().getNamespace();
        String name = domain.certificate().secretName();
        String source = domain.certificate().source().value();
        String reason = domain.certificate().source() == DomainSettings.CertificateSource.ACME ? "Issued" : "SelfSigned";
        List<String> names = domain.certificateNames();
        Instant now = clock.instant();
        Secret existing = client.secrets().inNamespace(namespace).withName(name).get();
        if (existing != null) {
            if (!Owned.isOwnedBy(existing, owner)) {
                throw new StepException("CertificateSecretConflict", "Secret " + name + " exists and is not owned by"
                        + " MailDomain " + owner.getMetadata().getName() + "; delete it, or set spec.certificate.source"
                        + " to none to use it as it is", true);
            }
            String crt = existing.getData() == null ? null : existing.getData().get("tls.crt");
            X509Certificate certificate = crt == null ? null
                    : SelfSignedCertificate.read(new String(Base64.getDecoder().decode(crt), StandardCharsets.US_ASCII));
            Map<String, String> annotations = existing.getMetadata().getAnnotations();
            if (certificate != null && annotations != null && source.equals(annotations.get(SOURCE))
                    && new HashSet<>(SelfSignedCertificate.dnsNames(certificate)).equals(new HashSet<>(names))
                    && certificate.getNotAfter().toInstant().isAfter(now.plus(SelfSignedCertificate.RENEW_BEFORE))) {
                return result(name, names, reason, certificate.getNotAfter().toInstant());
            }
        }
        String chainPem;
        String keyPem;
        Instant notAfter;
        if (domain.certificate().source() == DomainSettings.CertificateSource.ACME) {
            AcmeIssuer.Issued issued = acme.issue(owner, domain.certificate().acme(), names, acmeContext.dns(),
                    acmeContext.caPem());
            chainPem = issued.chainPem();
            keyPem = issued.privateKeyPem();
            notAfter = issued.certificate().getNotAfter().toInstant();
        } else {
            SelfSignedCertificate issued = SelfSignedCertificate.issue(names, now, random);
            chainPem = issued.certificatePem();
            keyPem = issued.privateKeyPem();
            notAfter = issued.notAfter();
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("tls.crt", base64(chainPem));
        data.put("tls.key", base64(keyPem));
        Secret secret = new SecretBuilder().withMetadata(Owned.metadata(owner, name)).withType("kubernetes.io/tls")
                .withData(data).build();
        secret.getMetadata().setAnnotations(Map.of(SOURCE, source));
        if (existing == null) {
            client.secrets().inNamespace(namespace).resource(secret).create();
        } else {
            secret.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.secrets().inNamespace(namespace).resource(secret).update();
        }
        return result(name, names, reason, notAfter);
    }

    private static Result result(String secretName, List<String> names, String reason, Instant notAfter) {
        return new Result(new CertificateStatus(secretName, notAfter.toString()), reason,
                (reason.equals("Issued") ? "ACME certificate" : "self-signed certificate") + " for "
                        + String.join(", ", names) + " in Secret " + secretName + " until " + notAfter);
    }

    private Result certManager(MailDomain owner, DomainSettings domain) throws StepException {
        DomainSettings.Certificate c = domain.certificate();
        String namespace = owner.getMetadata().getNamespace();
        Map<String, Object> issuerRef = new LinkedHashMap<>();
        issuerRef.put("name", c.issuerName());
        issuerRef.put("kind", c.issuerKind());
        issuerRef.put("group", c.issuerGroup());
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("secretName", c.secretName());
        spec.put("dnsNames", domain.certificateNames());
        spec.put("issuerRef", issuerRef);
        GenericKubernetesResource wanted = new GenericKubernetesResource();
        wanted.setApiVersion("cert-manager.io/v1");
        wanted.setKind("Certificate");
        wanted.setMetadata(Owned.metadata(owner, c.secretName()));
        wanted.setAdditionalProperty("spec", spec);
        GenericKubernetesResource current;
        try {
            var certificates = client.genericKubernetesResources(CERTIFICATE).inNamespace(namespace);
            current = certificates.withName(c.secretName()).get();
            if (current == null) {
                current = certificates.resource(wanted).create();
            } else if (!Objects.equals(current.getAdditionalProperties().get("spec"), spec)) {
                if (!Owned.isOwnedBy(current, owner)) {
                    throw new StepException("CertificateConflict", "Certificate " + c.secretName() + " exists and is"
                            + " not owned by MailDomain " + owner.getMetadata().getName(), true);
                }
                wanted.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
                current = certificates.resource(wanted).update();
            }
        } catch (KubernetesClientException e) {
            throw new StepException(e.getCode() == 404 ? "CertManagerMissing" : "CertificateError",
                    "cannot write Certificate " + c.secretName() + " (HTTP " + e.getCode() + "): "
                            + (e.getCode() == 404 ? "is cert-manager installed (certificates.cert-manager.io)?"
                                    : e.getMessage()), true);
        }
        Object status = current.getAdditionalProperties().get("status");
        if (status instanceof Map<?, ?> s && s.get("conditions") instanceof List<?> conditions) {
            for (Object o : conditions) {
                if (o instanceof Map<?, ?> condition && "Ready".equals(condition.get("type"))) {
                    if ("True".equals(condition.get("status"))) {
                        Object notAfter = s.get("notAfter");
                        return new Result(new CertificateStatus(c.secretName(), notAfter == null ? null : notAfter.toString()),
                                "Issued", "cert-manager issued Certificate " + c.secretName() + " (issuer "
                                        + c.issuerKind() + "/" + c.issuerName() + ")");
                    }
                    throw new StepException("CertificatePending", "cert-manager has not issued Certificate "
                            + c.secretName() + " yet: " + condition.get("message"), true);
                }
            }
        }
        throw new StepException("CertificatePending", "Certificate " + c.secretName()
                + " is waiting for cert-manager (issuer " + c.issuerKind() + "/" + c.issuerName() + ")", true);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
