package io.yubin.mailauth.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The openspf RFC 7208 test suite (release 2014.04), read at test time from Debian's
 * python3-spf (never copied here): every case of every scenario, run through
 * {@link SpfVerifier#check} against the scenario's zonedata. A case passes when the result is
 * one the suite allows and, where the suite gives one, the explanation is equal; like the
 * suite's own driver, the default explanation is "DEFAULT".
 */
class Rfc7208SuiteTest {

    static final Path SUITE = Path.of("/usr/share/doc/python3-spf/rfc7208-tests.yml.gz");
    /** What the issue and the suite's file count; a different number means the file is not the one expected. */
    static final int CASES = 203;

    @TestFactory
    Stream<DynamicNode> rfc7208TestSuite() throws IOException {
        List<JsonNode> scenarios = scenarios();
        List<DynamicNode> nodes = new ArrayList<>();
        int cases = 0;
        for (JsonNode scenario : scenarios) {
            SpfVerifier verifier = new SpfVerifier(new ZoneDataResolver(scenario.get("zonedata")),
                    Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC),
                    SpfVerifier.Settings.DEFAULT.withDefaultExplanation("DEFAULT"));
            List<DynamicTest> tests = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = scenario.get("tests").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> test = it.next();
                tests.add(DynamicTest.dynamicTest(test.getKey(), () -> run(verifier, test.getKey(), test.getValue())));
                cases++;
            }
            nodes.add(DynamicContainer.dynamicContainer(scenario.get("description").asText(), tests));
        }
        int counted = cases;
        nodes.add(DynamicTest.dynamicTest("the suite holds " + CASES + " cases",
                () -> assertThat(counted).isEqualTo(CASES)));
        return nodes.stream();
    }

    private static void run(SpfVerifier verifier, String id, JsonNode test) throws Exception {
        SpfResult result = verifier.check(InetAddress.getByName(test.get("host").asText()), test.get("helo").asText(),
                test.get("mailfrom").asText()).toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<String> allowed = new ArrayList<>();
        if (test.get("result").isArray()) {
            test.get("result").forEach(r -> allowed.add(r.asText()));
        } else {
            allowed.add(test.get("result").asText());
        }
        assertThat(result.status().keyword()).as("%s (RFC 7208 %s): %s", id, test.path("spec").asText(), result)
                .isIn(allowed);
        if (test.has("explanation")) {
            assertThat(result.explanation()).as("%s: explanation", id).contains(test.get("explanation").asText());
        }
    }

    static List<JsonNode> scenarios() throws IOException {
        if (!Files.isReadable(SUITE)) {
            fail(SUITE + " is missing: install python3-spf (.ci/install-packages); CI=" + System.getenv("CI"));
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(SUITE))) {
            return new YAMLMapper().readerFor(JsonNode.class).<JsonNode>readValues(in).readAll();
        }
    }
}
