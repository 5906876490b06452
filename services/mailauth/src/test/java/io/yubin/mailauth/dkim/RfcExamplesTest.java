package io.yubin.mailauth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The signed examples of RFC 6376 Appendix A and RFC 8463 Appendix A, with their keys. */
class RfcExamplesTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2024-06-01T00:00:00Z"), ZoneOffset.UTC);

    // RFC 6376 Appendix A.2 with errata 3192 (one space in the body) and 4926 (two spaces before
    // [192.0.2.1]); simple/simple, so every byte counts
    static final String RFC6376_MESSAGE = crlf("""
            DKIM-Signature: v=1; a=rsa-sha256; s=brisbane; d=example.com;
                  c=simple/simple; q=dns/txt; i=joe@football.example.com;
                  h=Received : From : To : Subject : Date : Message-ID;
                  bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
                  b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB
                    4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut
                    KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV
                    4bmp/YzhwvcubU4=;
            Received: from client1.football.example.com  [192.0.2.1]
                  by submitserver.example.com with SUBMISSION;
                  Fri, 11 Jul 2003 21:01:54 -0700 (PDT)
            From: Joe SixPack <joe@football.example.com>
            To: Suzie Q <suzie@shopping.example.net>
            Subject: Is dinner ready?
            Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
            Message-ID: <20030712040037.46341.5F8J@football.example.com>

            Hi.

            We lost the game. Are you hungry yet?

            Joe.
            """);

    // RFC 6376 Appendix C: brisbane._domainkey.example.com
    static final String RFC6376_KEY = "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeL"
            + "nQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4O"
            + "uKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";

    // RFC 8463 Appendix A.3
    static final String RFC8463_MESSAGE = crlf("""
            DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;
             d=football.example.com; i=@football.example.com;
             q=dns/txt; s=brisbane; t=1528637909; h=from : to :
             subject : date : message-id : from : subject : date;
             bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
             b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus
             Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==
            DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
             d=football.example.com; i=@football.example.com;
             q=dns/txt; s=test; t=1528637909; h=from : to : subject :
             date : message-id : from : subject : date;
             bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
             b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3
             DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz
             dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=
            From: Joe SixPack <joe@football.example.com>
            To: Suzie Q <suzie@shopping.example.net>
            Subject: Is dinner ready?
            Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
            Message-ID: <20030712040037.46341.5F8J@football.example.com>

            Hi.

            We lost the game.  Are you hungry yet?

            Joe.

            """);

    // RFC 8463 Appendix A.2
    static final String RFC8463_ED25519_KEY = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    static final String RFC8463_RSA_KEY = "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3i"
            + "dY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT"
            + "5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
    // RFC 8463 Appendix A.1: the Ed25519 private key (the RFC 8032 §7.1 test 1 key)
    static final String RFC8463_ED25519_SECRET = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";

    @Test
    void rfc6376AppendixAVerifies() {
        TestKeys.MapLookup dns = new TestKeys.MapLookup().put("brisbane._domainkey.example.com", RFC6376_KEY);

        List<DkimResult> results = verify(dns, RFC6376_MESSAGE);

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).as(r.reason()).isEqualTo(DkimStatus.PASS);
            assertThat(r.domain()).isEqualTo("example.com");
            assertThat(r.selector()).isEqualTo("brisbane");
            assertThat(r.algorithm()).isEqualTo("rsa-sha256");
            assertThat(r.identity()).isEqualTo("joe@football.example.com");
            assertThat(r.signaturePrefix()).isEqualTo("AuUoFEfD");
        });
    }

    @Test
    void rfc6376AppendixAVerifiesWithTheBareRsaPublicKeyOfSection361() {
        // §3.6.1 describes p= as an RSAPublicKey; the SubjectPublicKeyInfo above wraps one in 22 bytes
        byte[] spki = Base64.getDecoder().decode(RFC6376_KEY.substring(RFC6376_KEY.indexOf("p=") + 2));
        byte[] bare = java.util.Arrays.copyOfRange(spki, 22, spki.length);
        TestKeys.MapLookup dns = new TestKeys.MapLookup().put("brisbane._domainkey.example.com",
                "v=DKIM1; p=" + Base64.getEncoder().encodeToString(bare));

        assertThat(verify(dns, RFC6376_MESSAGE)).extracting(DkimResult::status).containsExactly(DkimStatus.PASS);
    }

    @Test
    void rfc6376AppendixAFailsWhenOneByteOfTheSimpleBodyChanges() {
        TestKeys.MapLookup dns = new TestKeys.MapLookup().put("brisbane._domainkey.example.com", RFC6376_KEY);

        List<DkimResult> results = verify(dns, RFC6376_MESSAGE.replace("the game. Are", "the game.  Are"));

        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(DkimStatus.FAIL);
            assertThat(r.reason()).isEqualTo("body hash did not verify");
        });
    }

    @Test
    void rfc8463AppendixABothSignaturesVerify() {
        TestKeys.MapLookup dns = new TestKeys.MapLookup()
                .put("brisbane._domainkey.football.example.com", RFC8463_ED25519_KEY)
                .put("test._domainkey.football.example.com", RFC8463_RSA_KEY);

        List<DkimResult> results = verify(dns, RFC8463_MESSAGE);

        assertThat(results).extracting(DkimResult::status, DkimResult::algorithm, DkimResult::selector)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(DkimStatus.PASS, "ed25519-sha256", "brisbane"),
                        org.assertj.core.groups.Tuple.tuple(DkimStatus.PASS, "rsa-sha256", "test"));
        assertThat(results).extracting(DkimResult::signaturePrefix).containsExactly("/gCrinpc", "F45dVWDf");
    }

    @Test
    void rfc8463Ed25519SignatureIsReproducedByteForByte() throws Exception {
        // Ed25519 is deterministic: signing the example's header hash input with the example's key
        // gives the example's b= exactly, which pins down RFC 8463 §3 (sign the SHA-256 of the input)
        byte[] pkcs8 = HexFormat.of().parseHex("302e020100300506032b657004220420");
        byte[] seed = Base64.getDecoder().decode(RFC8463_ED25519_SECRET);
        byte[] encoded = new byte[pkcs8.length + seed.length];
        System.arraycopy(pkcs8, 0, encoded, 0, pkcs8.length);
        System.arraycopy(seed, 0, encoded, pkcs8.length, seed.length);
        PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(encoded));
        List<HeaderField> header = new MessageReader(
                new ByteArrayInputStream(RFC8463_MESSAGE.getBytes(StandardCharsets.US_ASCII))).readHeader(1 << 20);
        HeaderField field = header.get(0);
        DkimSignature signature = DkimSignature.parse(field, TagList.parse(field.value()));

        byte[] input = HeaderHash.input(header, signature.signedHeaders(), signature.headerCanonicalization(),
                DkimSignature.withoutSignatureValue(field));

        assertThat(Base64.getEncoder().encodeToString(DkimAlgorithm.ED25519_SHA256.sign(key, input)))
                .isEqualTo("/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
    }

    static List<DkimResult> verify(DkimKeyLookup dns, String message) {
        DkimVerifier verifier = new DkimVerifier(dns, Runnable::run, CLOCK, DkimVerifier.Limits.DEFAULT);
        return verifier.verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().join();
    }

    static String crlf(String text) {
        return text.replace("\n", "\r\n");
    }
}
