package io.yubin.operator.crd;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** The MailDomain custom resource; its schema is k8s/crds/maildomain.yaml. */
@Group(MailDomain.GROUP)
@Version(MailDomain.VERSION)
@Kind("MailDomain")
@Plural("maildomains")
@Singular("maildomain")
public final class MailDomain extends CustomResource<MailDomainSpec, MailDomainStatus> implements Namespaced {

    private static final long serialVersionUID = 1L;

    public static final String GROUP = "yubin.io";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    public static final String KIND = "MailDomain";
}
