package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.yubin.operator.crd.MailDomain;
import java.util.Map;
import java.util.Objects;

/** Metadata of the objects a MailDomain owns: Kubernetes deletes them with it. */
final class Owned {

    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String OPERATOR = "yubin-operator";
    static final String DOMAIN_LABEL = "yubin.io/maildomain";

    private Owned() {
    }

    static ObjectMeta metadata(MailDomain owner, String name) {
        return new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(Map.of(MANAGED_BY, OPERATOR, DOMAIN_LABEL, owner.getMetadata().getName()))
                .withOwnerReferences(reference(owner))
                .build();
    }

    static OwnerReference reference(MailDomain owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(MailDomain.API_VERSION)
                .withKind(MailDomain.KIND)
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }

    /** Whether {@code object} names {@code owner} as its owner (by uid, which a recreated resource changes). */
    static boolean isOwnedBy(HasMetadata object, MailDomain owner) {
        return object.getMetadata().getOwnerReferences() != null && object.getMetadata().getOwnerReferences().stream()
                .anyMatch(r -> MailDomain.KIND.equals(r.getKind()) && owner.getMetadata().getName().equals(r.getName())
                        && Objects.equals(owner.getMetadata().getUid(), r.getUid()));
    }
}
