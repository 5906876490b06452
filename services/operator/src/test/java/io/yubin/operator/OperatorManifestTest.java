package io.yubin.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** k8s/examples/operator.yaml reads as Kubernetes objects and grants what the operator does. */
class OperatorManifestTest {

    @Test
    void theRoleGrantsEveryCallTheOperatorMakes() throws Exception {
        Object parsed = Serialization.unmarshal(Files.readString(Path.of("../../k8s/examples/operator.yaml")));
        // several documents read as a list
        @SuppressWarnings("unchecked")
        List<HasMetadata> objects = (List<HasMetadata>) parsed;
        assertThat(objects).extracting(HasMetadata::getKind)
                .containsExactly("ServiceAccount", "Role", "RoleBinding", "Deployment");
        Role role = (Role) objects.get(1);
        Set<String> grants = new HashSet<>();
        for (PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        grants.add(group + "/" + resource + ":" + verb);
                    }
                }
            }
        }
        assertThat(grants).contains(
                "yubin.io/maildomains:list", "yubin.io/maildomains:watch", "yubin.io/maildomains:get",
                "yubin.io/maildomains:patch", "yubin.io/maildomains/status:patch",
                "/secrets:get", "/secrets:create", "/secrets:update", "/services:get", "/events:create",
                "coordination.k8s.io/leases:get", "coordination.k8s.io/leases:create",
                "coordination.k8s.io/leases:update", "externaldns.k8s.io/dnsendpoints:create",
                "externaldns.k8s.io/dnsendpoints:delete", "cert-manager.io/certificates:create");
        Deployment deployment = (Deployment) objects.get(3);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .startsWith("operator");
        assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("yubin-operator");
    }
}
