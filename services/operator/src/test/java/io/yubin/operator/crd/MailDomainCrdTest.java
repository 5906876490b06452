package io.yubin.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import io.yubin.operator.DomainSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CRD in k8s/crds/ as an API server would use it: its openAPIV3Schema accepts the example
 * in k8s/examples/ and rejects bad specs (a JSON-schema validator stands in for the API server's
 * validation, which the CRUD mock server does not do), and its defaults are the operator's.
 */
class MailDomainCrdTest {

    static final Path ROOT = Path.of("../..");
    static final Path CRD = ROOT.resolve("k8s/crds/maildomain.yaml");
    static final Path EXAMPLE = ROOT.resolve("k8s/examples/maildomain.yaml");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode crd;
    static JsonNode schema;
    static Validator validator;

    @BeforeAll
    static void load() throws IOException {
        crd = YAML.readTree(Files.readString(CRD));
        schema = crd.at("/spec/versions/0/schema/openAPIV3Schema");
        validator = Validator.create(JsonSchema.of(new JsonObject(JSON.convertValue(schema, Map.class))),
                new JsonSchemaOptions().setDraft(Draft.DRAFT4).setBaseUri("https://yubin.io/schemas/")
                        .setOutputFormat(OutputFormat.Basic));
    }

    /** The MailDomain document of the example file (the other is its TSIG Secret). */
    static ObjectNode example() throws IOException {
        for (JsonNode doc : YAML.readValues(YAML.createParser(EXAMPLE.toFile()), JsonNode.class).readAll()) {
            if ("MailDomain".equals(doc.path("kind").asText())) {
                return (ObjectNode) doc;
            }
        }
        throw new AssertionError("no MailDomain in " + EXAMPLE);
    }

    static OutputUnit validate(JsonNode resource) {
        return validator.validate(new JsonObject(JSON.convertValue(resource, Map.class)));
    }

    static ObjectNode withSpec(Consumer<ObjectNode> change) throws IOException {
        ObjectNode resource = example();
        change.accept((ObjectNode) resource.get("spec"));
        return resource;
    }

    @Test
    void describesANamespacedMailDomainOfYubinIoWithStatusAndPrinterColumns() {
        assertThat(crd.at("/spec/group").asText()).isEqualTo(MailDomain.GROUP);
        assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
        assertThat(crd.at("/spec/names/kind").asText()).isEqualTo(MailDomain.KIND);
        assertThat(crd.at("/spec/names/plural").asText()).isEqualTo("maildomains");
        assertThat(crd.at("/spec/versions/0/name").asText()).isEqualTo(MailDomain.VERSION);
        assertThat(crd.at("/spec/versions/0/subresources/status").isObject()).isTrue();
        List<String> columns = new ArrayList<>();
        crd.at("/spec/versions/0/additionalPrinterColumns").forEach(c -> columns.add(c.path("name").asText()));
        assertThat(columns).contains("Domain", "Ready", "Age");
        // the Java model names the same resource
        assertThat(new MailDomain().getApiVersion()).isEqualTo("yubin.io/v1alpha1");
        assertThat(io.fabric8.kubernetes.api.model.HasMetadata.getPlural(MailDomain.class)).isEqualTo("maildomains");
    }

    @Test
    void readsAsAFabric8CustomResourceDefinition() throws IOException {
        CustomResourceDefinition definition = Serialization.unmarshal(Files.readString(CRD),
                CustomResourceDefinition.class);
        assertThat(definition.getMetadata().getName()).isEqualTo("maildomains.yubin.io");
        assertThat(definition.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema()
                .getProperties().get("spec").getRequired()).containsExactly("domain");
    }

    @Test
    void isStructuralEveryNodeHasAType() {
        List<String> untyped = new ArrayList<>();
        structural(schema, "", untyped);
        assertThat(untyped).isEmpty();
    }

    private static void structural(JsonNode node, String path, List<String> untyped) {
        if (!node.has("type") && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            untyped.add(path.isEmpty() ? "/" : path);
        }
        node.path("properties").fields().forEachRemaining(e -> structural(e.getValue(), path + "/" + e.getKey(),
                untyped));
        if (node.has("items")) {
            structural(node.get("items"), path + "[]", untyped);
        }
    }

    @Test
    void acceptsTheExample() throws IOException {
        OutputUnit result = validate(example());
        assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue();
    }

    @Test
    void acceptsTheSmallestSpec() throws IOException {
        ObjectNode resource = example();
        resource.set("spec", JSON.createObjectNode().put("domain", "example.org"));
        assertThat(validate(resource).getValid()).isTrue();
    }

    @Test
    void acceptsAnAcmeCertificate() throws IOException {
        ObjectNode resource = withSpec(s -> ((ObjectNode) s.get("certificate")).put("source", "acme").putObject("acme")
                .put("directoryUrl", "https://acme-v02.api.letsencrypt.org/directory").put("email", "pm@example.com"));
        OutputUnit result = validate(resource);
        assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue();
    }

    @Test
    void theExampleReadsIntoTheModelAndTheOperatorTakesIt() throws Exception {
        MailDomain resource = Serialization.unmarshal(JSON.writeValueAsString(example()), MailDomain.class);
        DomainSettings settings = DomainSettings.of(resource.getMetadata().getName(), resource.getSpec());
        assertThat(settings.domain()).isEqualTo("example.com");
        assertThat(settings.dns().provider()).isEqualTo(DomainSettings.DnsProvider.RFC2136);
        assertThat(settings.dns().rfc2136().secretName()).isEqualTo("dns-tsig");
        assertThat(settings.certificate().secretName()).isEqualTo("example-com-tls");
    }

    @Test
    void rejectsBadSpecs() throws IOException {
        Map<String, Consumer<ObjectNode>> bad = new java.util.LinkedHashMap<>();
        bad.put("upper-case domain", s -> s.put("domain", "Example.COM"));
        bad.put("domain with a final dot", s -> s.put("domain", "example.com."));
        bad.put("single-label domain", s -> s.put("domain", "localhost"));
        bad.put("domain with an empty label", s -> s.put("domain", "example..com"));
        bad.put("no domain", s -> s.remove("domain"));
        bad.put("unknown field", s -> s.put("domian", "example.com"));
        bad.put("unknown DNS provider", s -> ((ObjectNode) s.get("dns")).put("provider", "route53"));
        bad.put("rfc2136 without its settings", s -> ((ObjectNode) s.get("dns")).remove("rfc2136"));
        bad.put("TTL below 30", s -> ((ObjectNode) s.get("dns")).put("ttl", 5));
        bad.put("port 0", s -> ((ObjectNode) s.at("/dns/rfc2136")).put("port", 0));
        bad.put("unknown TSIG algorithm", s -> ((ObjectNode) s.at("/dns/rfc2136/tsig")).put("algorithm", "hmac-md5"));
        bad.put("no TSIG Secret", s -> ((ObjectNode) s.at("/dns/rfc2136/tsig")).remove("secretRef"));
        bad.put("RSA 1024", s -> ((ObjectNode) s.get("dkim")).put("rsaBits", 1024));
        bad.put("unknown DKIM algorithm", s -> ((ObjectNode) s.get("dkim")).put("algorithm", "rsa-sha1"));
        bad.put("selector with a dot", s -> ((ObjectNode) s.get("dkim")).put("selector", "a.b"));
        bad.put("SPF all with +", s -> ((ObjectNode) s.get("spf")).put("all", "+all"));
        bad.put("SPF mechanism unknown", s -> ((ObjectNode) s.get("spf")).putArray("mechanisms").add("mx:"));
        bad.put("DMARC policy unknown", s -> ((ObjectNode) s.get("dmarc")).put("policy", "drop"));
        bad.put("DMARC percentage 101", s -> ((ObjectNode) s.get("dmarc")).put("percentage", 101));
        bad.put("DMARC rua not mailto", s -> ((ObjectNode) s.get("dmarc")).putArray("rua").add("https://x.example"));
        bad.put("MTA-STS mode unknown", s -> ((ObjectNode) s.get("mtaSts")).put("mode", "strict"));
        bad.put("MTA-STS max_age over a year", s -> ((ObjectNode) s.get("mtaSts")).put("maxAge", 31557601));
        bad.put("TLS-RPT rua http", s -> ((ObjectNode) s.get("tlsRpt")).putArray("rua").add("http://x.example/r"));
        bad.put("MX priority negative", s -> ((ObjectNode) s.get("mxHosts").get(0)).put("priority", -1));
        bad.put("MX host with a space", s -> ((ObjectNode) s.get("mxHosts").get(0)).put("host", "mail example.com"));
        bad.put("certificate source unknown", s -> ((ObjectNode) s.get("certificate")).put("source", "letsencrypt"));
        bad.put("cert-manager without issuer", s -> ((ObjectNode) s.get("certificate")).put("source", "cert-manager"));
        bad.put("acme without settings", s -> ((ObjectNode) s.get("certificate")).put("source", "acme"));
        bad.put("acme directory over http", s -> ((ObjectNode) s.get("certificate")).put("source", "acme")
                .putObject("acme").put("directoryUrl", "http://ca.example/dir").put("email", "a@example.com"));
        bad.put("cert-manager settings with source acme", s -> ((ObjectNode) s.get("certificate")).put("source", "acme")
                .putObject("certManager").putObject("issuerRef").put("name", "x"));
        bad.put("issuer kind unknown", s -> ((ObjectNode) s.get("certificate")).put("source", "cert-manager")
                .putObject("certManager").putObject("issuerRef").put("name", "x").put("kind", "Vault"));
        List<String> accepted = new ArrayList<>();
        for (Map.Entry<String, Consumer<ObjectNode>> e : bad.entrySet()) {
            if (validate(withSpec(e.getValue())).getValid()) {
                accepted.add(e.getKey());
            }
        }
        assertThat(accepted).as("bad specs the schema accepted").isEmpty();
    }

    @Test
    void defaultsAreTheOperatorsDefaults() {
        JsonNode spec = schema.at("/properties/spec/properties");
        assertThat(spec.at("/dkim/properties/selector/default").asText()).isEqualTo(DomainSettings.DEFAULT_SELECTOR);
        assertThat(spec.at("/dkim/properties/algorithm/default").asText())
                .isEqualTo(DomainSettings.DEFAULT_DKIM_ALGORITHM);
        assertThat(spec.at("/dkim/properties/rsaBits/default").asInt()).isEqualTo(DomainSettings.DEFAULT_RSA_BITS);
        assertThat(spec.at("/mxHosts/items/properties/priority/default").asInt())
                .isEqualTo(DomainSettings.DEFAULT_MX_PRIORITY);
        List<String> mechanisms = new ArrayList<>();
        spec.at("/spf/properties/mechanisms/default").forEach(m -> mechanisms.add(m.asText()));
        assertThat(mechanisms).isEqualTo(DomainSettings.DEFAULT_SPF_MECHANISMS);
        assertThat(spec.at("/spf/properties/all/default").asText()).isEqualTo(DomainSettings.DEFAULT_SPF_ALL);
        assertThat(spec.at("/dmarc/properties/policy/default").asText()).isEqualTo(DomainSettings.DEFAULT_DMARC_POLICY);
        assertThat(spec.at("/dmarc/properties/percentage/default").asInt())
                .isEqualTo(DomainSettings.DEFAULT_DMARC_PERCENTAGE);
        assertThat(spec.at("/dmarc/properties/adkim/default").asText()).isEqualTo(DomainSettings.DEFAULT_ALIGNMENT);
        assertThat(spec.at("/dmarc/properties/aspf/default").asText()).isEqualTo(DomainSettings.DEFAULT_ALIGNMENT);
        assertThat(spec.at("/mtaSts/properties/mode/default").asText()).isEqualTo(DomainSettings.DEFAULT_MTA_STS_MODE);
        assertThat(spec.at("/mtaSts/properties/maxAge/default").asLong())
                .isEqualTo(DomainSettings.DEFAULT_MTA_STS_MAX_AGE);
        assertThat(spec.at("/autoconfig/properties/enabled/default").asBoolean()).isTrue();
        assertThat(spec.at("/dns/properties/provider/default").asText()).isEqualTo(DomainSettings.DEFAULT_DNS_PROVIDER);
        assertThat(spec.at("/dns/properties/ttl/default").asInt()).isEqualTo(DomainSettings.DEFAULT_TTL);
        assertThat(spec.at("/dns/properties/rfc2136/properties/port/default").asInt())
                .isEqualTo(DomainSettings.DEFAULT_DNS_PORT);
        assertThat(spec.at("/dns/properties/rfc2136/properties/tsig/properties/algorithm/default").asText())
                .isEqualTo(DomainSettings.DEFAULT_TSIG_ALGORITHM);
        assertThat(spec.at("/dns/properties/rfc2136/properties/tsig/properties/secretRef/properties/key/default")
                .asText()).isEqualTo(DomainSettings.DEFAULT_SECRET_KEY);
        assertThat(spec.at("/certificate/properties/source/default").asText())
                .isEqualTo(DomainSettings.DEFAULT_CERTIFICATE_SOURCE);
        assertThat(spec.at("/certificate/properties/certManager/properties/issuerRef/properties/kind/default").asText())
                .isEqualTo(DomainSettings.DEFAULT_ISSUER_KIND);
    }

    @Test
    void everyEnumOfTheSchemaIsOneTheOperatorKnows() {
        JsonNode spec = schema.at("/properties/spec/properties");
        assertThat(values(spec.at("/dns/properties/provider/enum")))
                .containsExactlyInAnyOrder(java.util.Arrays.stream(DomainSettings.DnsProvider.values())
                        .map(DomainSettings.DnsProvider::value).toArray(String[]::new));
        assertThat(values(spec.at("/certificate/properties/source/enum")))
                .containsExactlyInAnyOrder(java.util.Arrays.stream(DomainSettings.CertificateSource.values())
                        .map(DomainSettings.CertificateSource::value).toArray(String[]::new));
        assertThat(values(spec.at("/dkim/properties/algorithm/enum")))
                .containsExactlyInAnyOrder(java.util.Arrays.stream(DomainSettings.DkimAlgorithm.values())
                        .map(DomainSettings.DkimAlgorithm::tag).toArray(String[]::new));
    }

    private static List<String> values(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (Iterator<JsonNode> it = array.elements(); it.hasNext();) {
            out.add(it.next().asText());
        }
        return out;
    }
}
