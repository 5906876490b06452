package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.dns.ClientAutoconfig;
import io.yubin.operator.dns.MtaStsPolicy;
import java.util.LinkedHashMap;
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
 * them are published only once this is written.
 */
final class MtaStsPolicyConfigMap {

    private final KubernetesClient client;

    MtaStsPolicyConfigMap(KubernetesClient client) {
        this.client = client;
    }

    /** The key of the client configuration: {@code <domain>.autoconfig.xml}. */
    static final String AUTOCONFIG_SUFFIX = ".autoconfig.xml";
    /** The key of Outlook's Autodiscover answer: {@code <domain>.autodiscover.xml}. */
    static final String AUTODISCOVER_SUFFIX = ".autodiscover.xml";

    static String name(MailDomain owner) {
        return owner.getMetadata().getName() + "-mta-sts";
    }

    /**
     * Creates or updates the ConfigMap; refuses one of the same name that is not this resource's.
     *
     * @param autoconfig the client configuration document; null when the domain's autoconfig is disabled
     * @param autodiscover Outlook's Autodiscover answer; null likewise
     */
    void ensure(MailDomain owner, String domain, MtaStsPolicy policy, String autoconfig, String autodiscover)
            throws StepException {
        String namespace = owner.getMetadata().getNamespace();
        String name = name(owner);
        Map<String, String> data = new LinkedHashMap<>();
        data.put(domain + ".txt", policy.text());
        if (autoconfig != null) {
            data.put(domain + AUTOCONFIG_SUFFIX, autoconfig);
        }
        if (autodiscover != null) {
            data.put(domain + AUTODISCOVER_SUFFIX, autodiscover);
        }
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
