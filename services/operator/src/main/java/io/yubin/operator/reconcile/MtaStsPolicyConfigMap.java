package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.dns.ClientAutoconfig;
import java.util.Map;

/**
 * What the domain's web names serve, for the front-end pods: a ConfigMap owned by the MailDomain,
 * {@code <name>-mta-sts}, whose key {@code <domain>.txt} is the MTA-STS policy (RFC 8461 §3.3) and,
 * when the domain's autoconfig is enabled, {@code <domain>.autoconfig.xml} and
 * {@code <domain>.autodiscover.xml}, its mail client configuration for Thunderbird and the clients
 * that follow it and for Outlook ({@link ClientAutoconfig}). The pods mount it in their
 * {@code mta-sts.policies-directory} (the Helm chart's {@code mtaSts.configMaps}) and answer
 * {@code https://mta-sts.<domain>/.well-known/mta-sts.txt},
 * {@code https://autoconfig.<domain>/mail/config-v1.1.xml} and
 * {@code https://autoconfig.<domain>/autodiscover/autodiscover.xml} from it; the records that announce
 * them are published only once this is written. The files are {@link ClientAutoconfig#webFiles}.
 */
final class MtaStsPolicyConfigMap {

    private final KubernetesClient client;

    MtaStsPolicyConfigMap(KubernetesClient client) {
        this.client = client;
    }

    static String name(MailDomain owner) {
        return owner.getMetadata().getName() + "-mta-sts";
    }

    /**
     * Creates or updates the ConfigMap; refuses one of the same name that is not this resource's.
     *
     * @param data the files, by name ({@link ClientAutoconfig#webFiles})
     */
    void ensure(MailDomain owner, Map<String, String> data) throws StepException {
        String namespace = owner.getMetadata().getNamespace();
        String name = name(owner);
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
