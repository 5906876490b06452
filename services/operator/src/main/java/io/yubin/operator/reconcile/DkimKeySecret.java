package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.dkim.DkimKeyPair;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The DKIM key of a MailDomain, in the Secret {@code <name>-dkim} it owns: one key
 * {@code <selector>.key} holding the PKCS#8 PEM private key. Mounted at
 * {@code <dkim dir>/<domain>/} in the front-end pods, that is the layout the signer's
 * DkimKeyDirectory reads ({@code <domain>/<selector>.key}). The key is made once and kept; a new
 * one is made when the selector, the algorithm or the RSA size changes (the Secret then holds
 * only the new one, so the signer never signs with a key whose record is gone).
 */
final class DkimKeySecret {

    private final KubernetesClient client;
    private final SecureRandom random;

    DkimKeySecret(KubernetesClient client, SecureRandom random) {
        this.client = client;
        this.random = random;
    }

    static String fileName(DomainSettings settings) {
        return settings.dkim().selector() + ".key";
    }

    DkimKeyPair ensure(MailDomain owner, DomainSettings settings) throws StepException {
        String namespace = owner.getMetadata().getNamespace();
        String name = DomainSettings.dkimSecretName(owner.getMetadata().getName());
        String file = fileName(settings);
        Secret existing = client.secrets().inNamespace(namespace).withName(name).get();
        if (existing != null) {
            if (!Owned.isOwnedBy(existing, owner)) {
                throw new StepException("DkimSecretConflict", "Secret " + name + " exists and is not owned by MailDomain "
                        + owner.getMetadata().getName() + "; delete or rename it so the operator can make the key", true);
            }
            Map<String, String> data = existing.getData() == null ? Map.of() : existing.getData();
            String encoded = data.get(file);
            if (encoded != null && data.size() == 1) {
                try {
                    DkimKeyPair key = DkimKeyPair.parse(new String(Base64.getDecoder().decode(encoded),
                            StandardCharsets.US_ASCII));
                    if (key.matches(settings.dkim().algorithm(), settings.dkim().rsaBits())) {
                        return key;
                    }
                } catch (IllegalArgumentException unreadable) {
                    // replaced below with a new key
                }
            }
        }
        DkimKeyPair key = DkimKeyPair.generate(settings.dkim().algorithm(), settings.dkim().rsaBits(), random);
        Secret secret = new SecretBuilder()
                .withMetadata(Owned.metadata(owner, name))
                .withType("Opaque")
                .withData(Map.of(file, Base64.getEncoder().encodeToString(
                        key.privateKeyPem().getBytes(StandardCharsets.US_ASCII))))
                .build();
        if (existing == null) {
            client.secrets().inNamespace(namespace).resource(secret).create();
        } else {
            secret.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.secrets().inNamespace(namespace).resource(secret).update();
        }
        return key;
    }
}
