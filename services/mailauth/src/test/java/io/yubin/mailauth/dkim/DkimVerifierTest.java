package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DkimVerifierTest {

    static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String KEY_RSA = "rsa._domainkey.example.com";
    static final String KEY_ED = "ed._domainkey.example.com";

    static final String MESSAGE = RfcExamplesTest.crlf("""
            Received: from client.example.com by mx.example.net; Sat, 1 Mar 2025 11:59:00 +0000
            From: Alice <alice@example.com>
            To: Bob <bob@example.net>
            Subject: Lunch
             on Friday?
            Date: Sat, 1 Mar 2025 11:58:00 +0000
            Message-ID: <lunch@example.com>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Hi Bob,

            Lunch on Friday at noon?

            Alice
            """);

    final TestKeys.MapLookup dns = new TestKeys.MapLookup()
            .put(KEY_RSA, TestKeys.record(TestKeys.RSA_2048))
            .put(KEY_ED, TestKeys.record(TestKeys.ED25519));

    @Test
    void aMessageSignedByTheSignerPassesWithBothAlgorithms() {
        List<DkimResult> results = verify(signed(MESSAGE));

        assertThat(results).extracting(DkimResult::status, DkimResult::algorithm, DkimResult::selector,
                DkimResult::domain, DkimResult::identity, DkimResult::bodyLength).containsExactly(
                tuple(DkimStatus.PASS, "ed25519-sha256", "ed", "example.com", "@example.com", OptionalLong.empty()),
                tuple(DkimStatus.PASS, "rsa-sha256", "rsa", "example.com", "@example.com", OptionalLong.empty()));
        assertThat(results).allSatisfy(r -> assertThat(r.signaturePrefix()).hasSizeGreaterThanOrEqualTo(8));
    }

    @Test
    void anUnsignedMessageHasNoResult() {
        assertThat(verify(MESSAGE)).isEmpty();
        assertThat(dns.asked).isEmpty();
    }

    @Test
    void aChangedBodyFailsTheBodyHash() {
        String message = signed(MESSAGE).replace("at noon", "at one");

        assertThat(verify(message)).extracting(DkimResult::status, DkimResult::reason).containsOnly(
                tuple(DkimStatus.FAIL, "body hash did not verify"));
    }

    @Test
    void aChangedSignedHeaderFailsTheSignature() {
        String message = signed(MESSAGE).replace("Subject: Lunch", "Subject: Dinner");

        assertThat(verify(message)).extracting(DkimResult::status, DkimResult::reason).containsOnly(
                tuple(DkimStatus.FAIL, "signature did not verify"));
    }

    @Test
    void aTruncatedSignatureFails() {
        List<String> fields = signer().sign("example.com", bytes(MESSAGE));
        List<String> truncated = fields.stream().map(f -> f.substring(0, f.length() - 10) + "\r\n").toList();

        assertThat(verify(String.join("", truncated) + MESSAGE)).extracting(DkimResult::status, DkimResult::reason)
                .containsOnly(tuple(DkimStatus.FAIL, "signature did not verify"));
    }

    @Test
    void anAddedInstanceOfAnOversignedFieldBreaksTheSignature() {
        String signed = signed(MESSAGE);

        for (String added : List.of("From: Mallory <mallory@example.org>\r\n", "Subject: Urgent\r\n",
                "Reply-To: mallory@example.org\r\n", "Cc: mallory@example.org\r\n")) {
            String onTop = added + signed;
            String below = signed.replace("\r\n\r\nHi Bob", "\r\n" + added + "\r\nHi Bob");

            assertThat(verify(onTop)).as(added).extracting(DkimResult::status).containsOnly(DkimStatus.FAIL);
            assertThat(verify(below)).as(added).extracting(DkimResult::status).containsOnly(DkimStatus.FAIL);
        }
    }

    @Test
    void unsignedFieldsAndRelaxedWhiteSpaceChangesDoNotMatter() {
        String message = "Received: from relay.example.net by mx.example.org; Sat, 1 Mar 2025 12:00:00 +0000\r\n"
                + signed(MESSAGE)
                        .replace("Subject: Lunch\r\n on Friday?", "SUBJECT:   Lunch on\t\tFriday?  ")
                        .replace("Lunch on Friday at noon?", "Lunch  on Friday at noon?   ")
                        .replace("Alice\r\n", "Alice\r\n\r\n\r\n")
                + "";

        assertThat(verify(message.replace("MIME-Version: 1.0\r\n", "MIME-Version: 1.0\r\nX-Spam: no\r\n")))
                .extracting(DkimResult::status).containsOnly(DkimStatus.PASS);
    }

    @Test
    void keyProblemsArePermanentErrorsAndLookupFailuresTemporary() {
        String message = ManualSignature.sign(MESSAGE, TestKeys.RSA_2048.getPrivate(),
                "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=k; h=from:subject; i=joe@sub.example.com");
        String rsa = TestKeys.publicKeyValue(TestKeys.RSA_2048);
        Map<DkimKeyLookup.Answer, String> cases = Map.of(
                new DkimKeyLookup.NoRecord(), "PERMERROR:no key for signature",
                new DkimKeyLookup.Records(List.of()), "PERMERROR:no key for signature",
                new DkimKeyLookup.TemporaryFailure("SERVFAIL"), "TEMPERROR:key lookup failed: SERVFAIL",
                records("v=DKIM1; p="), "PERMERROR:key revoked",
                records("v=DKIM1; k=ed25519; p=" + rsa), "PERMERROR:key type k=ed25519 does not match a=",
                records("v=DKIM1; h=sha1; p=" + rsa), "PERMERROR:key does not allow sha256 (h=)",
                records("v=DKIM1; s=tlsrpt; p=" + rsa), "PERMERROR:key not for email (s=)",
                records("v=DKIM1; t=s; p=" + rsa), "PERMERROR:i= is a subdomain of d= but the key says t=s",
                records("v=DKIM1; p=" + rsa.substring(0, 40)), "PERMERROR:unreadable rsa key",
                records("v=spf1 -all"), "PERMERROR:bad key record: not a DKIM1 key record");

        cases.forEach((answer, expected) -> {
            DkimKeyLookup lookup = name -> CompletableFuture.completedFuture(answer);

            assertThat(verify(lookup, message + MESSAGE)).as(expected).singleElement()
                    .satisfies(r -> assertThat(r.status() + ":" + r.reason()).isEqualTo(expected));
        });
    }

    @Test
    void aFailedOrThrowingLookupIsATemporaryError() {
        String message = signed(MESSAGE);

        assertThat(verify(name -> CompletableFuture.failedFuture(new IllegalStateException("resolver down")),
                message)).extracting(DkimResult::status, DkimResult::reason)
                .containsOnly(tuple(DkimStatus.TEMPERROR, "key lookup failed: resolver down"));
        assertThat(verify(name -> {
            throw new IllegalStateException("no resolver");
        }, message)).extracting(DkimResult::status).containsOnly(DkimStatus.TEMPERROR);
    }

    @Test
    void theKeyRecordAmongOtherTxtRecordsIsFound() {
        String message = signed(MESSAGE);
        DkimKeyLookup lookup = name -> CompletableFuture.completedFuture(records("v=spf1 -all",
                name.startsWith("ed.") ? TestKeys.record(TestKeys.ED25519) : TestKeys.record(TestKeys.RSA_2048)));

        assertThat(verify(lookup, message)).extracting(DkimResult::status).containsOnly(DkimStatus.PASS);
    }

    @Test
    void aTestingKeyIsReported() {
        dns.put(KEY_RSA, TestKeys.record(TestKeys.RSA_2048) + "; t=y");

        assertThat(verify(signed(MESSAGE))).extracting(DkimResult::selector, DkimResult::testing)
                .containsExactly(tuple("ed", false), tuple("rsa", true));
    }

    @Test
    void rsaSha1IsAPolicyFailureWithoutAnyLookup() {
        String message = ManualSignature.sign(MESSAGE, TestKeys.RSA_2048.getPrivate(),
                "v=1; a=rsa-sha1; c=relaxed/relaxed; d=example.com; s=rsa; h=from:subject") + MESSAGE;

        assertThat(verify(message)).extracting(DkimResult::status, DkimResult::reason, DkimResult::algorithm)
                .containsExactly(tuple(DkimStatus.POLICY, "rsa-sha1 is not accepted (RFC 8301)", "rsa-sha1"));
        assertThat(dns.asked).isEmpty();
    }

    @Test
    void anRsaKeyUnder1024BitsFails() {
        KeyPair weak = TestKeys.rsa(512);
        dns.put("weak._domainkey.example.com", TestKeys.record(weak));
        String message = ManualSignature.sign(MESSAGE, weak.getPrivate(),
                "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=weak; h=from:subject") + MESSAGE;

        assertThat(verify(message)).extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(tuple(DkimStatus.FAIL, "RSA key of 512 bits (RFC 8301: 1024 at least)"));
    }

    @Test
    void anRsa1024KeyPasses() {
        KeyPair key = TestKeys.rsa(1024);
        dns.put("k1024._domainkey.example.com", TestKeys.record(key));
        String message = ManualSignature.sign(MESSAGE, key.getPrivate(),
                "v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=k1024; h=from:to:subject:date") + MESSAGE;

        assertThat(verify(message)).extracting(DkimResult::status).containsExactly(DkimStatus.PASS);
    }

    @Test
    void expirationAndTimestampAreCheckedWithTheClockSkew() {
        long now = NOW.getEpochSecond();
        String tags = "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed; h=from; ";

        assertThat(status(tags + "t=" + (now - 3600) + "; x=" + (now - 400))).isEqualTo("PERMERROR:signature expired");
        assertThat(status(tags + "t=" + (now - 3600) + "; x=" + (now - 200))).isEqualTo("PASS:");
        assertThat(status(tags + "t=" + (now + 400))).isEqualTo("PERMERROR:signature timestamp in the future");
        assertThat(status(tags + "t=" + (now + 200))).isEqualTo("PASS:");
        assertThat(verify("DKIM-Signature: " + tags + "t=" + now + "; x=" + now + "; bh=AAAA; b=AAAA\r\n" + MESSAGE))
                .extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(tuple(DkimStatus.NEUTRAL, "x= not after t="));
    }

    @Test
    void aBodyLengthSignatureToleratesAppendedTextAndReportsTheLength() {
        String body = MESSAGE.substring(MESSAGE.indexOf("\r\n\r\n") + 4);
        String tags = "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed; h=from:subject; l="
                + CanonicalizationTest.body(Canonicalization.RELAXED, body).length();
        String signed = ManualSignature.sign(MESSAGE, TestKeys.ED25519.getPrivate(), tags) + MESSAGE;

        assertThat(verify(signed + "--\r\nList footer\r\n")).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DkimStatus.PASS);
            assertThat(r.bodyLength()).hasValue(CanonicalizationTest.body(Canonicalization.RELAXED, body).length());
        });
        assertThat(verify(signed.replace("Alice\r\n", ""))).extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(tuple(DkimStatus.FAIL, "l= is longer than the body"));
    }

    @Test
    void eachBodyHashCombinationIsComputedInTheOnePass() {
        StringBuilder fields = new StringBuilder();
        for (String c : List.of("simple/simple", "relaxed/relaxed", "relaxed/simple", "simple/relaxed")) {
            for (String l : List.of("", "; l=10", "; l=0")) {
                fields.append(ManualSignature.sign(MESSAGE, TestKeys.ED25519.getPrivate(),
                        "v=1; a=ed25519-sha256; c=" + c + "; d=example.com; s=ed; h=from:to" + l));
            }
        }
        DkimVerifier verifier = new DkimVerifier(dns, Runnable::run, CLOCK,
                new DkimVerifier.Limits(12, 1 << 20, Duration.ofMinutes(5)));

        List<DkimResult> results = verifier.verify(stream(fields + MESSAGE)).toCompletableFuture().join();

        assertThat(results).hasSize(12).extracting(DkimResult::status).containsOnly(DkimStatus.PASS);
        assertThat(dns.asked).containsExactly(KEY_ED);
    }

    @Test
    void signaturesOverTheLimitAreReportedNeutralAndNotLookedUp() {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            fields.append(ManualSignature.sign(MESSAGE, TestKeys.ED25519.getPrivate(),
                    "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed" + i + "; h=from"));
        }
        for (int i = 0; i < 12; i++) {
            dns.put("ed" + i + "._domainkey.example.com", TestKeys.record(TestKeys.ED25519));
        }

        List<DkimResult> results = verify(fields + MESSAGE);

        assertThat(results).hasSize(12);
        assertThat(results.subList(0, 10)).extracting(DkimResult::status).containsOnly(DkimStatus.PASS);
        assertThat(results.subList(10, 12)).extracting(DkimResult::status, DkimResult::reason, DkimResult::selector)
                .containsExactly(tuple(DkimStatus.NEUTRAL, "not verified: over 10 signatures", "ed10"),
                        tuple(DkimStatus.NEUTRAL, "not verified: over 10 signatures", "ed11"));
        assertThat(dns.asked).hasSize(10).doesNotContain("ed10._domainkey.example.com");
    }

    @Test
    void aMalformedSignatureIsNeutralAndTheOthersStillVerify() {
        String message = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=to; bh=AAAA; b=AAAA\r\n"
                + "DKIM-Signature: v=1; a; d=example.com\r\n" + signed(MESSAGE);

        assertThat(verify(message)).extracting(DkimResult::status, DkimResult::reason).containsExactly(
                tuple(DkimStatus.NEUTRAL, "From not signed"),
                tuple(DkimStatus.NEUTRAL, "bad tag list: tag without '='"),
                tuple(DkimStatus.PASS, ""),
                tuple(DkimStatus.PASS, ""));
    }

    @Test
    void aMessageWithoutFromCannotPass() {
        String message = MESSAGE.replace("From: Alice <alice@example.com>\r\n", "");
        String signed = ManualSignature.sign(message, TestKeys.ED25519.getPrivate(),
                "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed; h=from:to") + message;

        assertThat(verify(signed)).extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(tuple(DkimStatus.PERMERROR, "message has no From field"));
    }

    @Test
    void aHeaderSectionOverTheLimitIsOnePermanentError() {
        DkimVerifier verifier = new DkimVerifier(dns, Runnable::run, CLOCK,
                new DkimVerifier.Limits(10, 1000, Duration.ofMinutes(5)));
        String message = signed(MESSAGE).replace("MIME-Version", "X-Long: " + "x".repeat(2000) + "\r\nMIME-Version");

        assertThat(verifier.verify(stream(message)).toCompletableFuture().join())
                .extracting(DkimResult::status, DkimResult::reason)
                .containsExactly(tuple(DkimStatus.PERMERROR, "header section over 1000 bytes"));
    }

    @Test
    void aMessageWithoutBodyOrBlankLineVerifies() {
        String header = MESSAGE.substring(0, MESSAGE.indexOf("\r\n\r\n") + 2);

        assertThat(verify(signed(header))).extracting(DkimResult::status).containsOnly(DkimStatus.PASS);
        assertThat(verify(signed(header + "\r\n"))).extracting(DkimResult::status).containsOnly(DkimStatus.PASS);
    }

    @Test
    void aLargeBodyIsStreamedThroughOnce() {
        // 8 MiB made on the fly: the verifier reads the stream once and never asks for it again
        long size = 8L << 20;
        String header = MESSAGE.substring(0, MESSAGE.indexOf("\r\n\r\n") + 4);
        String line = "0123456789 abcdefghij \t klmnopqrstuvwxyz  \r\n";
        List<String> fields = signer().sign("example.com", new GeneratedMessage(header, line, size).readAllBytesUnchecked());
        GeneratedMessage once = new GeneratedMessage(String.join("", fields) + header, line, size);

        List<DkimResult> results = verify(dns, once);

        assertThat(results).extracting(DkimResult::status).containsOnly(DkimStatus.PASS);
        assertThat(once.reads).isEqualTo(size + String.join("", fields).length() + header.length());
    }

    @Test
    void keyLookupsRunWhileTheBodyIsReadAndTheResultWaitsForThem() throws Exception {
        CompletableFuture<DkimKeyLookup.Answer> pending = new CompletableFuture<>();
        ExecutorService blocking = Executors.newSingleThreadExecutor();
        try {
            DkimVerifier verifier = new DkimVerifier(name -> name.equals(KEY_ED) ? pending
                    : CompletableFuture.completedFuture(records(TestKeys.record(TestKeys.RSA_2048))), blocking, CLOCK,
                    DkimVerifier.Limits.DEFAULT);

            CompletableFuture<List<DkimResult>> results = verifier.verify(stream(signed(MESSAGE))).toCompletableFuture();
            blocking.submit(() -> { }).get(10, TimeUnit.SECONDS); // the read has run on the executor

            assertThat(results).isNotDone();
            pending.complete(records(TestKeys.record(TestKeys.ED25519)));
            assertThat(results.get(10, TimeUnit.SECONDS)).extracting(DkimResult::status)
                    .containsOnly(DkimStatus.PASS);
        } finally {
            blocking.shutdownNow();
        }
    }

    @Test
    void signaturePrefixesAreAsLongAsNeededToTellSignaturesApart() {
        List<String> b = List.of("abcdefgh123", "abcdefgh124", "zzzzzzzzzz", "abc", "");

        assertThat(DkimVerifier.signaturePrefix(0, b)).isEqualTo("abcdefgh123");
        assertThat(DkimVerifier.signaturePrefix(1, b)).isEqualTo("abcdefgh124");
        assertThat(DkimVerifier.signaturePrefix(2, b)).isEqualTo("zzzzzzzz");
        assertThat(DkimVerifier.signaturePrefix(3, b)).isEqualTo("abc");
        assertThat(DkimVerifier.signaturePrefix(4, b)).isEmpty();
        assertThat(DkimVerifier.signaturePrefix(0, List.of("samesamesame", "samesamesame"))).isEqualTo("samesamesame");
    }

    private String status(String tags) {
        String message = ManualSignature.sign(MESSAGE, TestKeys.ED25519.getPrivate(), tags) + MESSAGE;
        DkimResult r = verify(message).get(0);
        return r.status() + ":" + r.reason();
    }

    static DkimKeyLookup.Records records(String... texts) {
        return new DkimKeyLookup.Records(List.of(texts));
    }

    static DkimSigner signer() {
        List<DkimSigningKey> keys = List.of(new DkimSigningKey("ed", TestKeys.ED25519.getPrivate()),
                new DkimSigningKey("rsa", TestKeys.RSA_2048.getPrivate()));
        return new DkimSigner(domain -> domain.equals("example.com") ? keys : List.of(), CLOCK);
    }

    static String signed(String message) {
        return String.join("", signer().sign("example.com", bytes(message))) + message;
    }

    List<DkimResult> verify(String message) {
        return verify(dns, message);
    }

    static List<DkimResult> verify(DkimKeyLookup lookup, String message) {
        return verify(lookup, stream(message));
    }

    static List<DkimResult> verify(DkimKeyLookup lookup, InputStream message) {
        CompletionStage<List<DkimResult>> stage = new DkimVerifier(lookup, Runnable::run, CLOCK,
                DkimVerifier.Limits.DEFAULT).verify(message);
        return stage.toCompletableFuture().join();
    }

    static InputStream stream(String message) {
        return new ByteArrayInputStream(bytes(message));
    }

    static byte[] bytes(String message) {
        return message.getBytes(StandardCharsets.UTF_8);
    }

    /** A header then {@code size} bytes of repeated lines, made as they are read; counts the bytes read. */
    static final class GeneratedMessage extends InputStream {
        private final byte[] header;
        private final byte[] line;
        private final long size;
        long reads;

        GeneratedMessage(String header, String line, long size) {
            this.header = bytes(header);
            this.line = bytes(line);
            this.size = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long total = header.length + size;
            if (reads >= total) {
                return -1;
            }
            int n = (int) Math.min(len, total - reads);
            for (int i = 0; i < n; i++) {
                long p = reads + i;
                b[off + i] = p < header.length ? header[(int) p] : line[(int) ((p - header.length) % line.length)];
            }
            reads += n;
            return n;
        }

        byte[] readAllBytesUnchecked() {
            try {
                return readAllBytes();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
