package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cross-checks with an independent implementation, dkimpy 1.1 (Debian python3-dkim), run through
 * a small bridge script that serves the public keys to it through its dnsfunc hook: messages
 * Yubin signs verify in dkimpy, messages dkimpy signs verify in Yubin, and tampered messages
 * fail in both.
 */
class DkimpyCrossCheckTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String DOMAIN = "example.com";

    /** Messages that stress canonicalization: 8-bit, long lines, trailing blank lines, folding, empty bodies. */
    static final Map<String, String> MESSAGES = new LinkedHashMap<>();

    static {
        String header = "From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\n"
                + "Date: Sat, 1 Mar 2025 11:58:00 +0000\r\nMessage-ID: <m@example.com>\r\n";
        MESSAGES.put("plain", header + "Subject: Lunch\r\n\r\nLunch on Friday?\r\n\r\nAlice\r\n");
        MESSAGES.put("8-bit", header + "Subject: Caf\u00e9 \u6771\u4eac \u00fcber\r\nContent-Type: text/plain;"
                + " charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln,"
                + " \u65e5\u672c\u8a9e \u2603\r\n\u00c0 bient\u00f4t\r\n");
        MESSAGES.put("long lines", header + "Subject: Long\r\nReferences: " + "<ref@example.com>\r\n "
                .repeat(40) + "<last@example.com>\r\n\r\n" + "0123456789 ".repeat(500) + "\r\n"
                + "x".repeat(998) + "\r\n");
        MESSAGES.put("trailing blank lines", header + "Subject: Trailing\r\n\r\nText\r\n\r\n\r\n   \r\n\t\r\n\r\n");
        MESSAGES.put("folded headers", "From:   Alice\r\n\t<alice@example.com>\r\nTo: Bob <bob@example.net>,\r\n"
                + "    Carol <carol@example.net>\r\nSubject:  Folded \t  and\r\n \t spaced  \r\n"
                + "Date: Sat, 1 Mar 2025 11:58:00 +0000\r\nX-Note:\r\n  starts on the next line\r\n\r\n"
                + "  indented\t\ttabs  and  spaces  \r\n\ttab-led line\r\n");
        MESSAGES.put("empty body", header + "Subject: Empty\r\n\r\n");
        MESSAGES.put("no body at all", header + "Subject: Nothing\r\n");
        MESSAGES.put("only blank lines", header + "Subject: Blank\r\n\r\n\r\n\r\n\r\n");
        MESSAGES.put("unterminated last line", header + "Subject: Unterminated\r\n\r\nline one\r\nlast  \t");
    }

    static Path python;

    @TempDir
    Path dir;

    @BeforeAll
    static void findDkimpy() throws Exception {
        python = dkimpyPython();
    }

    @Test
    void messagesSignedByYubinVerifyInDkimpy() throws Exception {
        Map<String, byte[]> signed = new LinkedHashMap<>();
        MESSAGES.forEach((name, message) -> signed.put(name, yubinSigned(message)));

        List<List<String>> dkimpy = dkimpyVerify(new ArrayList<>(signed.values()));

        int i = 0;
        for (String name : signed.keySet()) {
            assertThat(dkimpy.get(i++)).as(name).containsExactly("pass", "pass");
            assertThat(yubinVerify(signed.get(name))).as(name).extracting(DkimResult::status)
                    .containsExactly(DkimStatus.PASS, DkimStatus.PASS);
        }
    }

    @Test
    void messagesSignedByDkimpyVerifyInYubin() throws Exception {
        List<String> labels = new ArrayList<>();
        ArrayNode jobs = JSON.createArrayNode();
        for (Map.Entry<String, String> message : MESSAGES.entrySet()) {
            if (message.getKey().equals("unterminated last line")) {
                continue; // dkimpy's parser adds the CRLF before signing; not a wire-format message anyway
            }
            for (String algorithm : List.of("rsa-sha256", "ed25519-sha256")) {
                for (String canon : List.of("simple/simple", "relaxed/relaxed", "relaxed/simple", "simple/relaxed")) {
                    for (boolean length : List.of(false, true)) {
                        labels.add(message.getKey() + " " + algorithm + " " + canon + (length ? " l=" : ""));
                        jobs.add(signJob(message.getValue(), algorithm, canon, length));
                    }
                }
            }
        }

        List<String> fields = dkimpySign(jobs);

        assertThat(fields).hasSize(labels.size());
        for (int i = 0; i < fields.size(); i++) {
            String label = labels.get(i);
            String message = jobs.get(i).get("plain").asText();
            byte[] signed = bytes(fields.get(i) + message);
            assertThat(yubinVerify(signed)).as(label).singleElement().satisfies(r -> {
                assertThat(r.status()).as(label + ": " + r.reason()).isEqualTo(DkimStatus.PASS);
                assertThat(r.bodyLength().isPresent()).as(label).isEqualTo(label.endsWith("l="));
                assertThat(r.identity()).isEqualTo("@" + DOMAIN);
            });
            if (label.endsWith("l=") && !label.startsWith("empty body") && !label.startsWith("no body")) {
                // l= lets a list append a footer, and Yubin honours it (an empty simple body is "CRLF",
                // which a footer does not start with)
                assertThat(yubinVerify(bytes(fields.get(i) + message + "-- \r\nfooter\r\n")))
                        .as(label).extracting(DkimResult::status).containsExactly(DkimStatus.PASS);
            }
        }
    }

    @Test
    void tamperedMessagesFailInBothWithTheRightReason() throws Exception {
        List<byte[]> tampered = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        // Signed by Yubin (both algorithms) and by dkimpy (both algorithms, simple and relaxed, with and without l=)
        Map<String, String> signedMessages = new LinkedHashMap<>();
        for (String name : List.of("plain", "8-bit", "folded headers", "empty body")) {
            signedMessages.put("yubin " + name, new String(yubinSigned(MESSAGES.get(name)), StandardCharsets.UTF_8));
        }
        ArrayNode jobs = JSON.createArrayNode();
        List<String> jobLabels = new ArrayList<>();
        for (String algorithm : List.of("rsa-sha256", "ed25519-sha256")) {
            for (String canon : List.of("simple/simple", "relaxed/relaxed")) {
                for (boolean length : List.of(false, true)) {
                    jobLabels.add("dkimpy " + algorithm + " " + canon + (length ? " l=" : ""));
                    jobs.add(signJob(MESSAGES.get("plain"), algorithm, canon, length));
                }
            }
        }
        List<String> dkimpyFields = dkimpySign(jobs);
        for (int i = 0; i < dkimpyFields.size(); i++) {
            signedMessages.put(jobLabels.get(i), dkimpyFields.get(i) + MESSAGES.get("plain"));
        }
        for (Map.Entry<String, String> e : signedMessages.entrySet()) {
            String m = e.getValue();
            labels.add(e.getKey() + ": body changed");
            int body = m.indexOf("\r\n\r\n") + 4;
            tampered.add(bytes(m.substring(0, body) + "tampered " + m.substring(body)));
            expected.add("body hash did not verify");
            labels.add(e.getKey() + ": header changed");
            tampered.add(bytes(m.replace("Subject: ", "Subject: Re: ")));
            expected.add("signature did not verify");
            labels.add(e.getKey() + ": signature truncated");
            tampered.add(bytes(truncateSignatures(m)));
            expected.add("signature did not verify");
        }

        List<List<String>> dkimpy = dkimpyVerify(tampered);

        for (int i = 0; i < tampered.size(); i++) {
            String label = labels.get(i);
            String reason = expected.get(i);
            assertThat(yubinVerify(tampered.get(i))).as(label).isNotEmpty().allSatisfy(r -> {
                assertThat(r.status()).as(label).isEqualTo(DkimStatus.FAIL);
                assertThat(r.reason()).as(label).isEqualTo(reason);
            });
            assertThat(dkimpy.get(i)).as(label).isNotEmpty().allSatisfy(result -> {
                if (label.endsWith("body changed")) {
                    assertThat(result).as(label).startsWith("error").contains("body hash mismatch");
                } else if (label.endsWith("header changed")) {
                    assertThat(result).as(label).isEqualTo("fail");
                } else {
                    // a short RSA signature is a mismatch; PyNaCl refuses a short Ed25519 one outright
                    assertThat(result).as(label).satisfiesAnyOf(
                            r -> assertThat(r).isEqualTo("fail"),
                            r -> assertThat(r).contains("signature must be exactly 64 bytes"));
                }
            });
        }
    }

    private static byte[] yubinSigned(String message) {
        byte[] bytes = bytes(message);
        List<String> fields = DkimVerifierTest.signer().sign(DOMAIN, bytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fields.forEach(f -> out.writeBytes(bytes(f)));
        out.writeBytes(bytes);
        return out.toByteArray();
    }

    private static List<DkimResult> yubinVerify(byte[] message) {
        TestKeys.MapLookup dns = new TestKeys.MapLookup()
                .put(DkimVerifierTest.KEY_RSA, TestKeys.record(TestKeys.RSA_2048))
                .put(DkimVerifierTest.KEY_ED, TestKeys.record(TestKeys.ED25519));
        return new DkimVerifier(dns, Runnable::run, Clock.systemUTC(), DkimVerifier.Limits.DEFAULT)
                .verify(new ByteArrayInputStream(message)).toCompletableFuture().join();
    }

    private List<List<String>> dkimpyVerify(List<byte[]> messages) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("op", "verify");
        request.putObject("records").put(DkimVerifierTest.KEY_RSA, TestKeys.record(TestKeys.RSA_2048))
                .put(DkimVerifierTest.KEY_ED, TestKeys.record(TestKeys.ED25519));
        ArrayNode list = request.putArray("messages");
        messages.forEach(m -> list.add(Base64.getEncoder().encodeToString(m)));
        List<List<String>> answers = new ArrayList<>();
        for (JsonNode results : bridge(request)) {
            List<String> one = new ArrayList<>();
            results.forEach(r -> one.add(r.get("result").asText() + (r.get("detail").asText().isEmpty() ? ""
                    : ": " + r.get("detail").asText())));
            answers.add(one);
        }
        return answers;
    }

    private List<String> dkimpySign(ArrayNode jobs) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("op", "sign");
        request.set("jobs", jobs);
        List<String> fields = new ArrayList<>();
        bridge(request).forEach(f -> fields.add(new String(Base64.getDecoder().decode(f.asText()),
                StandardCharsets.UTF_8)));
        return fields;
    }

    private static ObjectNode signJob(String message, String algorithm, String canon, boolean length) {
        boolean ed = algorithm.startsWith("ed");
        ObjectNode job = JSON.createObjectNode()
                .put("message", Base64.getEncoder().encodeToString(bytes(message)))
                .put("plain", message)
                .put("selector", ed ? "ed" : "rsa")
                .put("domain", DOMAIN)
                // dkimpy takes PKCS#8 PEM for RSA and the base64 32-byte seed for Ed25519 (PyNaCl)
                .put("key", ed ? TestKeys.ed25519Seed(TestKeys.ED25519) : TestKeys.pem(TestKeys.RSA_2048))
                .put("algorithm", algorithm)
                .put("length", length);
        ArrayNode c = job.putArray("canon");
        for (String part : canon.split("/")) {
            c.add(part);
        }
        ArrayNode headers = job.putArray("headers");
        for (String h : List.of("from", "to", "subject", "date", "message-id", "from", "subject")) {
            headers.add(h);
        }
        return job;
    }

    private JsonNode bridge(ObjectNode request) throws Exception {
        Path script = dir.resolve("dkimpy_bridge.py");
        try (InputStream in = DkimpyCrossCheckTest.class.getResourceAsStream("dkimpy_bridge.py")) {
            Files.write(script, in.readAllBytes());
        }
        Path input = dir.resolve("request.json");
        Path output = dir.resolve("answer.json");
        Path errors = dir.resolve("errors.txt");
        JSON.writeValue(input.toFile(), request);
        Process process = new ProcessBuilder(python.toString(), script.toString()).redirectInput(input.toFile())
                .redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("dkimpy bridge did not finish");
        }
        assertThat(process.exitValue()).as("dkimpy bridge: " + Files.readString(errors)).isZero();
        return JSON.readTree(output.toFile());
    }

    /**
     * Runs {@code script} (Python with dkimpy) in {@code dir} with {@code request} as JSON on its
     * standard input; its JSON answer. A script that fails fails the test.
     */
    static JsonNode runScript(Path dir, String script, JsonNode request) throws Exception {
        Path file = Files.writeString(Files.createTempFile(dir, "dkimpy", ".py"), script);
        Process p = new ProcessBuilder(dkimpyPython().toString(), file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var out = p.getOutputStream()) {
            out.write(SCRIPT_JSON.writeValueAsBytes(request));
        }
        byte[] answer = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("dkimpy (python3-dkim) runs").isZero();
        return SCRIPT_JSON.readTree(answer);
    }

    private static final ObjectMapper SCRIPT_JSON = new ObjectMapper();

    /** The Debian python3 with python3-dkim; missing is a failure, never a skip. */
    static Path dkimpyPython() throws Exception {
        Path candidate = Path.of("/usr/bin/python3");
        if (Files.isExecutable(candidate)) {
            Process probe = new ProcessBuilder(candidate.toString(), "-c", "import dkim, nacl")
                    .redirectErrorStream(true).start();
            if (probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return candidate;
            }
        }
        return fail("python3-dkim is not installed; run .ci/install-packages (CI=" + System.getenv("CI") + ")");
    }

    /** Drops the last 8 base64 characters of every b= (leaving a valid base64 length). */
    static String truncateSignatures(String message) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (true) {
            int start = message.indexOf("DKIM-Signature:", i);
            if (start < 0) {
                return out.append(message, i, message.length()).toString();
            }
            int end = start;
            do {
                end = message.indexOf("\r\n", end) + 2;
            } while (message.charAt(end) == ' ' || message.charAt(end) == '\t');
            String field = message.substring(start, end - 2);
            StringBuilder cut = new StringBuilder(field);
            int removed = 0;
            for (int p = cut.length() - 1; p >= 0 && removed < 8; p--) {
                char c = cut.charAt(p);
                cut.deleteCharAt(p);
                if (Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '=') {
                    removed++;
                }
            }
            out.append(message, i, start).append(cut.toString().stripTrailing()).append("\r\n");
            i = end;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
