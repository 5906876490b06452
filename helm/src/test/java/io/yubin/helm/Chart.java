package io.yubin.helm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The chart in helm/yubin, linted and rendered by the Helm library that helm-java bundles (no
 * cluster, no network): {@code helm template} and {@code helm lint --strict} with a set of values
 * given as YAML over the chart's own values.yaml.
 */
final class Chart {

    static final Path DIR = Path.of("yubin").toAbsolutePath();
    static final String RELEASE = "yubin";
    static final String NAMESPACE = "mail";
    static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private Chart() {
    }

    /** Renders the chart with these values over values.yaml (CRDs included), as {@code helm template}. */
    static Rendered render(String valuesYaml) {
        // the chart's lookups go to the fake API server, never to a cluster
        FakeApiServer.INSTANCE.requests.size();
        Path values = writeTemp(valuesYaml);
        try {
            String out = new Helm(DIR).template()
                    .withName(RELEASE)
                    .withNamespace(NAMESPACE)
                    .withKubeVersion("1.31.0")
                    .withValuesFile(values)
                    .call();
            return new Rendered(out);
        } finally {
            delete(values);
        }
    }

    /**
     * {@code helm install --dry-run=client}: the whole install path without a cluster (the chart's
     * kubeVersion, CRDs, hooks, NOTES.txt); returns what helm prints, notes included.
     */
    static String dryRunInstall(String valuesYaml) {
        FakeApiServer.INSTANCE.requests.size();
        Path values = writeTemp(valuesYaml);
        try {
            return new Helm(DIR).install()
                    .withName(RELEASE)
                    .withNamespace(NAMESPACE)
                    .withKubeVersion("1.31.0")
                    .clientOnly()
                    .dryRun()
                    .withDryRunOption(com.marcnuri.helm.DryRun.CLIENT)
                    .withValuesFile(values)
                    .call()
                    .getOutput();
        } finally {
            delete(values);
        }
    }

    /** {@code helm lint --strict} of a copy of the chart whose values.yaml has these values merged in. */
    static LintResult lint(String valuesYaml) {
        try {
            Path copy = Files.createTempDirectory("yubin-chart-");
            try {
                Path chart = copy.resolve("yubin");
                copyTree(DIR, chart);
                Map<String, Object> merged = YAML.readValue(DIR.resolve("values.yaml").toFile(), new TypeReference<>() { });
                Map<String, Object> overrides = valuesYaml.isBlank() ? Map.of()
                        : YAML.readValue(valuesYaml, new TypeReference<Map<String, Object>>() { });
                merge(merged, overrides);
                YAML.writeValue(chart.resolve("values.yaml").toFile(), merged);
                return new Helm(chart).lint().strict().call();
            } finally {
                deleteTree(copy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Helm's merge: maps merge key by key, a null removes the key, anything else replaces. */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> into, Map<String, Object> from) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            Object old = into.get(e.getKey());
            if (e.getValue() == null) {
                into.remove(e.getKey());
            } else if (old instanceof Map && e.getValue() instanceof Map) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) old);
                merge(copy, (Map<String, Object>) e.getValue());
                into.put(e.getKey(), copy);
            } else {
                into.put(e.getKey(), e.getValue());
            }
        }
    }

    /** The documents of a rendering, each as a map, in order. */
    static final class Rendered {
        final String text;
        final List<Map<String, Object>> docs;

        Rendered(String text) {
            this.text = text;
            List<Map<String, Object>> parsed = new ArrayList<>();
            try (var parser = new YAMLFactory().createParser(text)) {
                var it = YAML.readValues(parser, new TypeReference<Map<String, Object>>() { });
                while (it.hasNext()) {
                    Map<String, Object> doc = it.next();
                    if (doc != null && !doc.isEmpty()) {
                        parsed.add(doc);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("helm template rendered YAML that does not parse:\n" + text, e);
            }
            this.docs = List.copyOf(parsed);
        }

        /** The one document of this kind and name; fails when there is none or more. */
        Doc get(String kind, String name) {
            List<Doc> found = all(kind).stream().filter(d -> d.name().equals(name)).collect(Collectors.toList());
            if (found.size() != 1) {
                throw new AssertionError(found.size() + " " + kind + " named " + name + " in " + names());
            }
            return found.get(0);
        }

        List<Doc> all(String kind) {
            return docs.stream().filter(d -> kind.equals(d.get("kind"))).map(Doc::new).collect(Collectors.toList());
        }

        boolean has(String kind, String name) {
            return all(kind).stream().anyMatch(d -> d.name().equals(name));
        }

        List<String> names() {
            return docs.stream().map(d -> new Doc(d).kind() + "/" + new Doc(d).name()).collect(Collectors.toList());
        }
    }

    /** One rendered document, navigated by path: {@code doc.at("spec.template.spec.containers.0.name")}. */
    static final class Doc {
        final Map<String, Object> map;

        Doc(Map<String, Object> map) {
            this.map = map;
        }

        String kind() {
            return (String) map.get("kind");
        }

        String name() {
            return (String) at("metadata.name");
        }

        Object at(String path) {
            return at(map, path);
        }

        Doc doc(String path) {
            return new Doc(asMap(at(path)));
        }

        @SuppressWarnings("unchecked")
        List<Object> list(String path) {
            Object o = at(path);
            return o == null ? List.of() : (List<Object>) o;
        }

        List<Doc> docs(String path) {
            return list(path).stream().map(o -> new Doc(asMap(o))).collect(Collectors.toList());
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> asMap(Object o) {
            return (Map<String, Object>) o;
        }

        @SuppressWarnings("unchecked")
        static Object at(Object root, String path) {
            Object cur = root;
            for (String part : path.split("\\.")) {
                if (cur instanceof Map) {
                    cur = ((Map<String, Object>) cur).get(part);
                } else if (cur instanceof List && part.matches("\\d+")) {
                    List<Object> list = (List<Object>) cur;
                    int i = Integer.parseInt(part);
                    cur = i < list.size() ? list.get(i) : null;
                } else {
                    return null;
                }
            }
            return cur;
        }

        @Override
        public String toString() {
            return kind() + "/" + name();
        }
    }

    private static Path writeTemp(String content) {
        try {
            Path file = Files.createTempFile("yubin-values-", ".yaml");
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.REPLACE_EXISTING);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
