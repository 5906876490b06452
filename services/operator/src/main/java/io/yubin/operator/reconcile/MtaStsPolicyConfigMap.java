package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.dns.MtaStsPolicy;
import java.util.Map;

/**
 * The domain's MTA-STS policy for the servers to serve (RFC 8461 §3.3): a ConfigMap owned by the
 * MailDomain, {@code <name>-mta-sts}, whose one key {@code <domain>.txt} is the policy text. The
 * front-end pods mount it in their {@code mta-sts.policies-directory} (the Helm chart's
 * {@code mtaSts.configMaps}) and answer {@code https://mta-sts.<domain>/.well-known/mta-sts.txt}
 * from it; the {@code _mta-sts} TXT record is published only once this is written.
 */
final class MtaStsPolicyConfigMap {

    private final KubernetesClient client;

    MtaStsPolicyConfigMap(KubernetesClient client) {
        this.client = client;
    }

    static String name(MailDomain owner) {
        return owner.getMetadata().getName() + "-mta-sts";
    }

    /** Creates or updates the ConfigMap; refuses one of the same name that is not this resource's. */
    void ensure(MailDomain owner, String domain, MtaStsPolicy policy) throws StepException {
        String namespace = owner.getMetadata().getNamespace();
        String name = name(owner);
        Map<String, String> data = Map.of(domain + ".txt", policy.text());
        try {
            ConfigMap existing = client.configMaps().inNamespace(namespace).withName(name).get();
            if (existing != null && !Owned.isOwnedBy(existing, owner)) {
                throw new StepException("MtaStsConfigMapConflict", "ConfigMap " + name
                        + " exists and is not this MailDomain's; delete or rename it", false);
            }
            if (existing != null && data.equals(existing.getData())) {
                return;
            }
            ConfigMap wanted = new ConfigMapBuilder().withMetadata(Owned.metadata(owner, name)).withData(data).build();
            if (existing == null) {
                client.configMaps().inNamespace(namespace).resource(wanted).create();
            } else {
                client.configMaps().inNamespace(namespace).resource(wanted).update();
            }
        } catch (KubernetesClientException e) {
            throw new StepException("MtaStsConfigMapError", "ConfigMap " + name + " cannot be written: "
                    + e.getMessage(), true);
        }
    }
}
