package io.yubin.operator.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.crd.MailDomain;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/operator.md shows the records the operator computes for k8s/examples/maildomain.yaml. */
class ExampleRecordsTest {

    static final Path DOC = Path.of("../../docs/operator.md");
    static final Path EXAMPLE = Path.of("../../k8s/examples/maildomain.yaml");
    /** The DKIM record's key differs at every start; the docs show it shortened. */
    static final String DKIM_PLACEHOLDER = "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...";

    @Test
    void theDocsListTheExamplesRecords() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode resource = yaml.readValues(yaml.createParser(EXAMPLE.toFile()), JsonNode.class).readAll().stream()
                .filter(d -> "MailDomain".equals(d.path("kind").asText())).findFirst().orElseThrow();
        MailDomain example = Serialization.unmarshal(new ObjectMapper().writeValueAsString(resource), MailDomain.class);
        DomainSettings settings = DomainSettings.of(example.getMetadata().getName(), example.getSpec());
        MtaStsPolicy policy = MtaStsPolicy.of(settings);
        List<String> lines = MailRecords.of(settings, List.of(new MailRecords.DkimRecord("yubin", DKIM_PLACEHOLDER)), policy,
                List.of(InetAddress.getByName("192.0.2.10"), InetAddress.getByName("2001:db8::10"))).stream()
                .map(DnsRecord::toString).toList();
        String block = "```\n" + String.join("\n", lines) + "\n```\n";
        String policyBlock = "```\n" + policy.text().replace("\r\n", "\n") + "```\n";
        String doc = Files.readString(DOC);
        assertThat(doc).as("the records block of docs/operator.md; it should read:\n" + block).contains(block);
        assertThat(doc).as("the policy block of docs/operator.md; it should read:\n" + policyBlock).contains(policyBlock);
    }
}
