package io.yubin.helm;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Offline validation of rendered manifests against the Kubernetes API types: each document is
 * read into its typed fabric8 model class (Deployment, Service, NetworkPolicy, ...), and every
 * field the type does not know is an error. Fabric8's classes keep unknown fields in an
 * "additionalProperties" map instead of failing, so the check walks the object tree and reports
 * every non-empty one with its path. Kinds the model does not know (ServiceMonitor) are reported
 * as such. What it does not check: required fields and value formats, which only the API server
 * knows.
 */
final class KubernetesSchemaCheck {

    private static final String MODEL = "io.fabric8.kubernetes.api.model";

    private KubernetesSchemaCheck() {
    }

    /** Reads one document into its typed class. */
    static HasMetadata typed(Map<String, Object> doc) {
        try {
            return Serialization.unmarshal(Chart.JSON.writeValueAsString(doc), HasMetadata.class);
        } catch (Exception e) {
            throw new AssertionError("does not read as a Kubernetes object: " + doc.get("kind") + ": " + e.getMessage(), e);
        }
    }

    /** The problems of one document: fields its type does not have, or a kind the model does not know. */
    static List<String> problems(Map<String, Object> doc) {
        HasMetadata object = typed(doc);
        List<String> problems = new ArrayList<>();
        if (object instanceof GenericKubernetesResource) {
            problems.add(doc.get("kind") + ": not a type of the Kubernetes model");
            return problems;
        }
        walk(object, doc.get("kind") + "/" + object.getMetadata().getName(), problems);
        return problems;
    }

    private static void walk(Object o, String path, List<String> problems) {
        if (o == null) {
            return;
        }
        if (o instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]", problems);
            }
            return;
        }
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                walk(e.getValue(), path + "[" + e.getKey() + "]", problems);
            }
            return;
        }
        if (!o.getClass().getName().startsWith(MODEL)) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = m.getName();
            if (!name.startsWith("get") || name.length() < 4) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (name.equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet() + " for " + o.getClass().getSimpleName());
                }
                continue;
            }
            String field = Character.toLowerCase(name.charAt(3)) + name.substring(4);
            walk(value, path + "." + field, problems);
        }
    }
}
