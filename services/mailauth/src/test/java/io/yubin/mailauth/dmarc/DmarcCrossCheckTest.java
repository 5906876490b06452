package io.yubin.mailauth.dmarc;

import io.yubin.mailauth.AuthorDomain;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.yubin.mailauth.MessageHeader;
import io.yubin.mailauth.dkim.DkimResult;
import io.yubin.mailauth.dkim.DkimVerifier;
import io.yubin.mailauth.dkim.DnsKeyLookup;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.mailauth.spf.SpfIdentity;
import io.yubin.mailauth.spf.SpfResult;
import io.yubin.mailauth.spf.SpfStatus;
import io.yubin.testing.bind9.Bind9Server;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DMARC verdicts cross-checked with an independent evaluator, authheaders (Debian
 * python3-authheaders, on dkimpy and the Public Suffix List), on the same messages and the same DNS
 * records: authheaders reads them from the request, Yubin from a real BIND 9 serving them. Every
 * case runs through both; the result, the requested policy and the author domain must agree. The
 * cases stay where authheaders follows RFC 7489 as we do: one DKIM signature (it checks only the
 * first), one record per name, pct=100, no temporary errors, and domain names without hyphens
 * (authheaders 0.15 finds the author domain with the pattern {@code @([a-z0-9.]+)}), and no sp= in
 * a record at the author domain itself: authheaders applies sp= there too, where RFC 7489 §6.3 and
 * §6.6.3 apply p= (sp= is for subdomains; DmarcVerifierTest checks ours).
 */
class DmarcCrossCheckTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A case: the author, the DKIM signing domain (or null), a body changed after signing, SPF. */
    record Case(String from, String sign, boolean tamper, String spfResult, String mailFrom) {
    }

    static final List<Case> CASES = List.of(
            new Case("alice@alphamail.com", "alphamail.com", false, null, null),
            new Case("Alice <alice@alphamail.com>", "mail.alphamail.com", false, null, null),
            new Case("b@betamail.org", "news.betamail.org", false, null, null),
            new Case("b@betamail.org", "betamail.org", false, null, null),
            new Case("b@betamail.org", null, false, "pass", "bounce@bounces.betamail.org"),
            new Case("a@alphamail.com", null, false, "pass", "bounce@bounces.alphamail.com"),
            new Case("n@news.gammamail.co.uk", null, false, "fail", "n@news.gammamail.co.uk"),
            new Case("g@alphamail.com", "othermail.com", false, "pass", "x@othermail.com"),
            new Case("d@deltamail.net", "deltamail.net", false, null, null),
            new Case("e@epsilonmail.com", null, false, "fail", "e@epsilonmail.com"),
            new Case("alice@alphamail.com", "alphamail.com", true, "softfail", "alice@alphamail.com"),
            new Case("Alice (work) <alice@alphamail.com>", null, false, "neutral", "alice@alphamail.com"));

    @TempDir
    Path dir;

    @Test
    void yubinAndAuthheadersAgreeOnEveryCase() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair key = generator.generateKeyPair();
        String keyRecord = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
        Map<String, String> records = new LinkedHashMap<>();
        records.put("_dmarc.alphamail.com", "v=DMARC1; p=reject");
        records.put("_dmarc.betamail.org", "v=DMARC1; p=quarantine; adkim=s; aspf=s");
        records.put("_dmarc.gammamail.co.uk", "v=DMARC1; p=reject; sp=quarantine");
        records.put("_dmarc.epsilonmail.com", "v=DMARC1; p=none");
        for (String signer : List.of("alphamail.com", "mail.alphamail.com", "betamail.org", "news.betamail.org",
                "gammamail.co.uk", "deltamail.net", "othermail.com")) {
            records.put("sel._domainkey." + signer, keyRecord);
        }
        List<String> zones = List.of("alphamail.com", "betamail.org", "gammamail.co.uk", "deltamail.net",
                "epsilonmail.com", "othermail.com");

        JsonNode answers = authheaders(records, key, CASES);

        ExecutorService executor = Executors.newCachedThreadPool();
        try (Bind9Server bind = new Bind9Server(Files.createDirectories(dir.resolve("named")), zoneFiles(zones, records))) {
            StubResolver dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), executor,
                    Clock.systemUTC());
            DkimVerifier dkim = new DkimVerifier(new DnsKeyLookup(dns, Duration.ofSeconds(10)), executor,
                    Clock.systemUTC(), DkimVerifier.Limits.DEFAULT);
            DmarcVerifier dmarc = new DmarcVerifier(dns, OrganizationalDomainsTest.debian(), () -> 0,
                    Duration.ofSeconds(10));
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < CASES.size(); i++) {
                Case c = CASES.get(i);
                JsonNode theirs = answers.get(i);
                byte[] message = Base64.getDecoder().decode(theirs.get("message").asText());
                List<DkimResult> signatures = dkim.verify(new ByteArrayInputStream(message)).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                AuthorDomain author;
                try (InputStream in = new ByteArrayInputStream(message)) {
                    author = AuthorDomain.of(MessageHeader.read(in, 1 << 20).values("From"));
                }
                SpfResult spf = c.spfResult() == null ? null : new SpfResult(
                        SpfStatus.valueOf(c.spfResult().toUpperCase(Locale.ROOT)), SpfIdentity.MAILFROM, c.mailFrom(),
                        c.mailFrom().substring(c.mailFrom().indexOf('@') + 1), Optional.empty(), "");
                DmarcResult ours = dmarc.check(author, spf, signatures).toCompletableFuture().get(30, TimeUnit.SECONDS);

                String what = "case " + i + " " + c + ": authheaders " + theirs + ", Yubin " + ours + " " + signatures;
                assertThat(ours.status().keyword()).as(what).isEqualTo(theirs.get("dmarc").asText());
                if (ours.status() != DmarcStatus.NONE) {
                    assertThat(ours.policy().keyword()).as(what).isEqualTo(theirs.get("policy").asText());
                    assertThat(ours.fromDomain()).as(what).isEqualTo(theirs.get("from").asText());
                }
                if (!signatures.isEmpty()) {
                    assertThat(signatures.get(0).status().keyword()).as(what).isEqualTo(theirs.get("dkim").asText());
                }
                seen.add(ours.status().keyword() + "/" + ours.policy().keyword());
            }
            // the cases reach every outcome, so agreement is not agreement on one answer
            assertThat(seen).contains("pass/reject", "pass/quarantine", "fail/reject", "fail/quarantine",
                    "fail/none", "none/none");
        } finally {
            executor.shutdownNow();
        }
    }

    private static Map<String, String> zoneFiles(List<String> zones, Map<String, String> records) {
        Map<String, String> files = new LinkedHashMap<>();
        for (String zone : zones) {
            StringBuilder z = new StringBuilder(Bind9Server.ZONE_HEAD);
            records.forEach((name, text) -> {
                if (name.endsWith("." + zone)) {
                    z.append(name, 0, name.length() - zone.length() - 1).append(" IN TXT");
                    // TXT strings hold 255 octets at most: longer texts go in several
                    for (int at = 0; at < text.length(); at += 200) {
                        z.append(" \"").append(text, at, Math.min(text.length(), at + 200)).append('"');
                    }
                    z.append('\n');
                }
            });
            files.put(zone, z.toString());
        }
        return files;
    }

    private JsonNode authheaders(Map<String, String> records, KeyPair key, List<Case> cases) throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.set("records", JSON.valueToTree(records));
        request.put("key", "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64,
                new byte[] {'\n'}).encodeToString(key.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        ArrayNode list = request.putArray("cases");
        for (Case c : cases) {
            String message = "From: " + c.from() + "\r\nTo: bob@example.net\r\nSubject: cross-check\r\n"
                    + "Date: Sat, 5 Dec 2026 21:00:00 +0000\r\n\r\nHello.\r\n";
            ObjectNode item = list.addObject();
            item.put("message", Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.US_ASCII)));
            item.put("sign", c.sign());
            item.put("tamper", c.tamper());
            if (c.spfResult() == null) {
                item.putNull("spf");
            } else {
                item.putArray("spf").add(c.spfResult()).add(c.mailFrom());
            }
        }
        Path script = dir.resolve("authheaders_bridge.py");
        try (InputStream in = DmarcCrossCheckTest.class.getResourceAsStream("authheaders_bridge.py")) {
            Files.write(script, in.readAllBytes());
        }
        // Debian's python3, which has the Debian packages (not one earlier on PATH)
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var out = p.getOutputStream()) {
            out.write(JSON.writeValueAsBytes(request));
        }
        byte[] answer = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("authheaders (python3-authheaders, .ci/install-packages) runs").isZero();
        return JSON.readTree(answer);
    }
}
