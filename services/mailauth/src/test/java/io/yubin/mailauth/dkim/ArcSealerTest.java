package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ARC sets sealed by Yubin when forwarding, checked by dkimpy (Debian python3-dkim,
 * {@code dkim.arc_verify}) and by our verifier: a first set on a message without ARC, a second on a
 * chain dkimpy built, a chain our results call failed sealed with cv=fail, and the cases not sealed.
 */
class ArcSealerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String AUTHSERV_ID = "mx.forward.example";
    /** Builds a one-hop chain (lists.example), then reports dkimpy's verdict on each message given. */
    static final String SCRIPT = """
            import base64, json, sys
            import dkim
            req = json.load(sys.stdin)
            records = req["records"]
            def dnsfunc(name, timeout=5):
                text = records.get(name.decode("ascii").rstrip("."))
                return text.encode("ascii") if text is not None else None
            if req["mode"] == "chain":
                message = base64.b64decode(req["message"])
                ar = b"Authentication-Results: lists.example; arc=none; spf=pass smtp.mailfrom=a@example.org\\r\\n"
                fields = dkim.arc_sign(ar + message, b"sel", b"lists.example", req["key"].encode("ascii"),
                                       b"lists.example", include_headers=[b"from", b"to", b"subject"])
                json.dump({"message": base64.b64encode(b"".join(fields) + ar + message).decode("ascii")}, sys.stdout)
            else:
                out = {}
                for name, encoded in req["messages"].items():
                    cv, results, comment = dkim.arc_verify(base64.b64decode(encoded), dnsfunc=dnsfunc)
                    out[name] = cv.decode("ascii") if cv is not None else "none: " + str(comment)
                json.dump(out, sys.stdout)
            """;

    @TempDir
    Path dir;
    final ExecutorService executor = Executors.newCachedThreadPool();
    final Map<String, String> records = Map.of("sel._domainkey.lists.example", TestKeys.record(TestKeys.RSA_2048),
            "fwd._domainkey.forward.example", TestKeys.record(TestKeys.RSA_2048));
    final ArcSealer sealer = new ArcSealer(domain -> domain.equals("forward.example")
            ? List.of(new DkimSigningKey("fwd", TestKeys.RSA_2048.getPrivate()),
                    new DkimSigningKey("ed", TestKeys.ED25519.getPrivate()))
            : List.of(), Clock.systemUTC());

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    static final String MESSAGE = "From: Alice <a@example.org>\r\nTo: list@lists.example\r\nSubject: Forwarded\r\n"
            + "Date: Sun, 6 Dec 2026 10:00:00 +0000\r\nMessage-ID: <arc@example.org>\r\n\r\nHello, forwarded.\r\n";

    static String ours(String arc) {
        return "Authentication-Results: " + AUTHSERV_ID + ";\r\n\tspf=pass smtp.mailfrom=a@example.org;\r\n\tdkim=none;"
                + " arc=" + arc + "\r\n";
    }

    String sealed(String message) throws Exception {
        ArcSealer.Sealed sealed = sealer.seal("Forward.Example", AUTHSERV_ID,
                new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
        assertThat(sealed.sealed()).as(sealed.reason()).isTrue();
        return String.join("", sealed.fields()) + message;
    }

    ArcResult verify(String message) throws Exception {
        TestKeys.MapLookup keys = new TestKeys.MapLookup();
        records.forEach(keys::put);
        return new ArcVerifier(keys, executor).verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void ourSetsPassInDkimpyAndInOurVerifierAndAFailedChainIsSealedAsFailed() throws Exception {
        String first = sealed(ours("none") + MESSAGE);
        String chain = run(Map.of("mode", "chain", "message",
                Base64.getEncoder().encodeToString(MESSAGE.getBytes(StandardCharsets.US_ASCII)))).get("message").asText();
        String dkimpyChain = new String(Base64.getDecoder().decode(chain), StandardCharsets.UTF_8);
        String second = sealed(ours("pass") + dkimpyChain);
        String failed = sealed(ours("fail") + dkimpyChain);

        assertThat(first).startsWith("ARC-Seal: i=1; a=rsa-sha256; t=").contains("cv=none; d=forward.example; s=fwd;",
                "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed;\r\n d=forward.example; s=fwd;",
                "ARC-Authentication-Results: i=1; " + AUTHSERV_ID + "; spf=pass smtp.mailfrom=a@example.org;");
        assertThat(second).startsWith("ARC-Seal: i=2;").contains("cv=pass;");
        assertThat(failed).startsWith("ARC-Seal: i=2;").contains("cv=fail;");

        Map<String, String> messages = new LinkedHashMap<>();
        messages.put("first", Base64.getEncoder().encodeToString(first.getBytes(StandardCharsets.UTF_8)));
        messages.put("second", Base64.getEncoder().encodeToString(second.getBytes(StandardCharsets.UTF_8)));
        messages.put("failed", Base64.getEncoder().encodeToString(failed.getBytes(StandardCharsets.UTF_8)));
        JsonNode dkimpy = run(Map.of("mode", "verify", "messages", messages));
        assertThat(dkimpy.get("first").asText()).as(first).isEqualTo("pass");
        assertThat(dkimpy.get("second").asText()).as(second).isEqualTo("pass");
        // dkimpy reports a chain whose newest seal says cv=fail as terminated (no cv at all).
        assertThat(dkimpy.get("failed").asText()).contains("ARC-Seal[2] reported failure");

        assertThat(verify(first).status()).isEqualTo(ArcResult.Status.PASS);
        assertThat(verify(second)).satisfies(r -> {
            assertThat(r.status()).isEqualTo(ArcResult.Status.PASS);
            assertThat(r.instances()).isEqualTo(2);
        });
        assertThat(verify(failed).status()).isEqualTo(ArcResult.Status.FAIL);
    }

    @Test
    void notSealedWithoutAKeyOurResultsOrALiveChain() throws Exception {
        assertThat(sealer.seal("other.example", AUTHSERV_ID, new ByteArrayInputStream((ours("none") + MESSAGE)
                .getBytes(StandardCharsets.UTF_8))).reason()).isEqualTo("no DKIM key for other.example");
        assertThat(sealer.seal("forward.example", AUTHSERV_ID, new ByteArrayInputStream(
                ("Authentication-Results: someone.else; spf=pass\r\n" + MESSAGE).getBytes(StandardCharsets.UTF_8)))
                .reason()).isEqualTo("no Authentication-Results of " + AUTHSERV_ID + " to seal");
        String failed = sealed(ours("fail") + sealed(ours("none") + MESSAGE).replace("Hello", "Changed"));
        assertThat(sealer.seal("forward.example", AUTHSERV_ID, new ByteArrayInputStream(
                (ours("fail") + failed).getBytes(StandardCharsets.UTF_8))).reason()).contains("cv=fail");
    }

    private JsonNode run(Map<String, Object> request) throws Exception {
        ObjectNode body = JSON.valueToTree(request);
        body.set("records", JSON.valueToTree(records));
        body.put("key", TestKeys.pem(TestKeys.RSA_2048));
        return DkimpyCrossCheckTest.runScript(dir, SCRIPT, body);
    }
}
