package io.yubin.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.yubin.helm.Chart.Doc;
import io.yubin.helm.Chart.Rendered;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What must hold for every value set: checked by each rendering test. */
final class ChartInvariants {

    static final List<String> WORKLOADS = List.of("Deployment", "StatefulSet");

    private ChartInvariants() {
    }

    /** Every rendering: typed without unknown fields, selectors, ports, security, resources, images. */
    static void all(Rendered r) {
        for (Map<String, Object> doc : r.docs) {
            if (!"ServiceMonitor".equals(doc.get("kind"))) {
                assertThat(KubernetesSchemaCheck.problems(doc)).isEmpty();
            }
        }
        selectorsMatch(r);
        servicePortsExist(r);
        podsLockedDownWithResources(r);
        imagesPinned(r);
    }

    static List<Doc> workloads(Rendered r) {
        List<Doc> all = new ArrayList<>();
        for (String kind : WORKLOADS) {
            all.addAll(r.all(kind));
        }
        return all;
    }

    static boolean matches(Object selector, Object labels) {
        return selector != null && labels != null
                && Doc.asMap(labels).entrySet().containsAll(Doc.asMap(selector).entrySet());
    }

    /** Each workload's selector picks its own pods; each Service, PDB, policy and spread selects exactly one workload's pods. */
    static void selectorsMatch(Rendered r) {
        List<Doc> workloads = workloads(r);
        for (Doc w : workloads) {
            assertThat(matches(w.at("spec.selector.matchLabels"), w.at("spec.template.metadata.labels"))).as(w.toString()).isTrue();
            for (Doc other : workloads) {
                if (other != w) {
                    assertThat(matches(w.at("spec.selector.matchLabels"), other.at("spec.template.metadata.labels")))
                            .as(w + " also selects " + other).isFalse();
                }
            }
            for (Doc spread : w.docs("spec.template.spec.topologySpreadConstraints")) {
                assertThat(matches(spread.at("labelSelector.matchLabels"), w.at("spec.template.metadata.labels"))).isTrue();
            }
        }
        List<Object[]> selectors = new ArrayList<>();
        for (Doc s : r.all("Service")) {
            selectors.add(new Object[] {s.toString(), s.at("spec.selector")});
        }
        for (Doc p : r.all("PodDisruptionBudget")) {
            selectors.add(new Object[] {p.toString(), p.at("spec.selector.matchLabels")});
        }
        for (Doc n : r.all("NetworkPolicy")) {
            selectors.add(new Object[] {n.toString(), n.at("spec.podSelector.matchLabels")});
        }
        for (Object[] s : selectors) {
            long n = workloads.stream().filter(w -> matches(s[1], w.at("spec.template.metadata.labels"))).count();
            assertThat(n).as(s[0] + " selects the pods of exactly one workload").isEqualTo(1);
        }
        for (Doc hpa : r.all("HorizontalPodAutoscaler")) {
            assertThat(r.has((String) hpa.at("spec.scaleTargetRef.kind"), (String) hpa.at("spec.scaleTargetRef.name"))).isTrue();
        }
    }

    /** Every Service's targetPort names a container port of the pods it selects. */
    static void servicePortsExist(Rendered r) {
        for (Doc s : r.all("Service")) {
            Doc w = workloads(r).stream().filter(x -> matches(s.at("spec.selector"), x.at("spec.template.metadata.labels")))
                    .findFirst().orElseThrow();
            Set<Object> named = new HashSet<>();
            for (Doc c : w.docs("spec.template.spec.containers")) {
                for (Doc p : c.docs("ports")) {
                    named.add(p.at("name"));
                }
            }
            for (Doc p : s.docs("spec.ports")) {
                assertThat(named).as(s + " port " + p.at("name")).contains(p.at("targetPort"));
            }
        }
    }

    /** Restricted pod security everywhere, and requests and a memory limit on every container. */
    static void podsLockedDownWithResources(Rendered r) {
        for (Doc w : workloads(r)) {
            Doc pod = w.doc("spec.template.spec");
            assertThat(pod.at("securityContext.runAsNonRoot")).as(w.toString()).isEqualTo(true);
            assertThat(pod.at("securityContext.seccompProfile.type")).as(w.toString()).isEqualTo("RuntimeDefault");
            assertThat((Integer) pod.at("securityContext.runAsUser")).as(w.toString()).isPositive();
            assertThat(pod.at("hostNetwork")).isNull();
            List<Doc> containers = new ArrayList<>(pod.docs("containers"));
            containers.addAll(pod.docs("initContainers"));
            for (Doc c : containers) {
                String what = w + " container " + c.at("name");
                assertThat(c.at("securityContext.allowPrivilegeEscalation")).as(what).isEqualTo(false);
                assertThat(c.at("securityContext.readOnlyRootFilesystem")).as(what).isEqualTo(true);
                assertThat(c.at("securityContext.runAsNonRoot")).as(what).isEqualTo(true);
                assertThat(c.at("securityContext.privileged")).as(what).isEqualTo(false);
                assertThat(c.list("securityContext.capabilities.drop")).as(what).containsExactly("ALL");
                assertThat(c.at("securityContext.capabilities.add")).as(what).isNull();
                assertThat(c.at("securityContext.seccompProfile.type")).as(what).isEqualTo("RuntimeDefault");
                assertThat(c.at("resources.requests.cpu")).as(what).isNotNull();
                assertThat(c.at("resources.requests.memory")).as(what).isNotNull();
                assertThat(c.at("resources.limits.memory")).as(what).isNotNull();
            }
        }
    }

    /** Every image has a tag or a digest, never "latest". */
    static void imagesPinned(Rendered r) {
        for (Doc w : workloads(r)) {
            List<Doc> containers = new ArrayList<>(w.docs("spec.template.spec.containers"));
            containers.addAll(w.docs("spec.template.spec.initContainers"));
            for (Doc c : containers) {
                String image = (String) c.at("image");
                assertThat(image).as(w + " " + c.at("name")).matches(".+(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})")
                        .doesNotEndWith(":latest");
            }
        }
    }

    /** A Role's rules as group/resource:verb. */
    static Set<String> grants(Doc role) {
        Set<String> grants = new TreeSet<>();
        for (Doc rule : role.docs("rules")) {
            assertThat(rule.at("resourceNames")).isNull();
            for (Object group : rule.list("apiGroups")) {
                for (Object resource : rule.list("resources")) {
                    for (Object verb : rule.list("verbs")) {
                        assertThat(verb).isNotEqualTo("*");
                        grants.add(group + "/" + resource + ":" + verb);
                    }
                }
            }
        }
        return grants;
    }

    /** Every configuration key of the server, from defaults.yaml ("smtp.mx-port", ...). */
    static Set<String> serverKeys() throws Exception {
        Path defaults = Path.of("../services/server/src/main/resources/io/yubin/server/config/defaults.yaml");
        Map<String, Object> map = Chart.YAML.readValue(defaults.toFile(), new TypeReference<>() { });
        Set<String> keys = new TreeSet<>();
        flatten("", map, keys);
        return keys;
    }

    static void flatten(String prefix, Map<String, Object> map, Set<String> into) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map) {
                flatten(key + ".", Doc.asMap(e.getValue()), into);
            } else {
                into.add(key);
            }
        }
    }
}
