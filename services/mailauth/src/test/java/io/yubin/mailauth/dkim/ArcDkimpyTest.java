package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ARC chains built by dkimpy (Debian python3-dkim, {@code dkim.arc_sign}) validated by Yubin, and
 * dkimpy's own verdict on the same messages ({@code dkim.arc_verify}) for comparison: one and two
 * hops pass; a body changed after the last hop, or a sealed ARC-Authentication-Results changed,
 * fail; no ARC set is none.
 */
class ArcDkimpyTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String SCRIPT = """
            import base64, json, sys
            import dkim
            req = json.load(sys.stdin)
            records = req["records"]
            def dnsfunc(name, timeout=5):
                text = records.get(name.decode("ascii").rstrip("."))
                return text.encode("ascii") if text is not None else None
            key = req["key"].encode("ascii")
            def hop(message, domain, srv_id, arc):
                ar = ("Authentication-Results: %s; arc=%s; spf=pass smtp.mailfrom=a@example.org\\r\\n"
                      % (srv_id, arc)).encode("ascii")
                message = ar + message
                fields = dkim.arc_sign(message, b"sel", domain.encode("ascii"), key, srv_id.encode("ascii"),
                                       include_headers=[b"from", b"to", b"subject"])
                return b"".join(fields) + message
            base = base64.b64decode(req["message"])
            one = hop(base, "lists.example", "lists.example", "none")
            two = hop(one, "relay.example", "relay.example", "pass")
            changed_body = two + b"A footer added after the last hop.\\r\\n"
            changed_aar = two.replace(b"spf=pass smtp.mailfrom=a@example.org", b"spf=fail smtp.mailfrom=a@example.org", 1)
            cases = {"one": one, "two": two, "changed body": changed_body, "changed aar": changed_aar, "none": base}
            out = {}
            for name, message in cases.items():
                cv, results, comment = dkim.arc_verify(message, dnsfunc=dnsfunc)
                out[name] = {"message": base64.b64encode(message).decode("ascii"), "cv": cv.decode("ascii")}
            json.dump(out, sys.stdout)
            """;

    @TempDir
    Path dir;
    final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void chainsBuiltByDkimpyValidateAsDkimpySays() throws Exception {
        String record = TestKeys.record(TestKeys.RSA_2048);
        Map<String, String> records = Map.of("sel._domainkey.lists.example", record,
                "sel._domainkey.relay.example", record);
        String message = "From: Alice <a@example.org>\r\nTo: list@lists.example\r\nSubject: ARC\r\n"
                + "Date: Sat, 5 Dec 2026 21:00:00 +0000\r\n\r\nHello list.\r\n";
        JsonNode dkimpy = run(records, message);
        TestKeys.MapLookup keys = new TestKeys.MapLookup();
        records.forEach(keys::put);
        ArcVerifier arc = new ArcVerifier(keys, executor);

        Map<String, ArcResult.Status> expected = Map.of("one", ArcResult.Status.PASS, "two", ArcResult.Status.PASS,
                "changed body", ArcResult.Status.FAIL, "changed aar", ArcResult.Status.FAIL,
                "none", ArcResult.Status.NONE);
        for (String name : List.of("one", "two", "changed body", "changed aar", "none")) {
            byte[] bytes = Base64.getDecoder().decode(dkimpy.get(name).get("message").asText());
            ArcResult ours = arc.verify(new ByteArrayInputStream(bytes)).toCompletableFuture().get(30, TimeUnit.SECONDS);
            String what = name + ": " + ours + "\n" + new String(bytes, StandardCharsets.UTF_8);
            assertThat(ours.status()).as(what).isEqualTo(expected.get(name));
            assertThat(ours.status().keyword()).as(what).isEqualTo(dkimpy.get(name).get("cv").asText());
        }
    }

    private JsonNode run(Map<String, String> records, String message) throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.set("records", JSON.valueToTree(records));
        request.put("key", TestKeys.pem(TestKeys.RSA_2048));
        request.put("message", Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.US_ASCII)));
        return DkimpyCrossCheckTest.runScript(dir, SCRIPT, request);
    }
}
