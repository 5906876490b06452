package io.yubin.delivery.tlsrpt;

import io.yubin.delivery.MovingClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.vertx.core.json.JsonObject;
import io.yubin.delivery.mtasts.MtaStsTrust;
import io.yubin.delivery.mtasts.TestCa;
import io.yubin.mailauth.dkim.DkimKeyDirectory;
import io.yubin.mailauth.dkim.DkimSigner;
import io.yubin.mailauth.dns.DnsSettings;
import io.yubin.mailauth.dns.StubResolver;
import io.yubin.model.Envelope;
import io.yubin.model.MailAddress;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.embedded.EmbeddedStorage;
import io.yubin.testing.bind9.Bind9Server;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daily TLS reports (RFC 8460) with real parts: BIND 9 serves the {@code _smtp._tls} records, an
 * HTTPS server with a certificate of a CA made here takes the POSTed reports, and the mail reports go
 * into the embedded spool, DKIM-signed with the submitter's key.
 */
class TlsReporterTest {

    static final String ZONE = """
            $TTL 300
            @ IN SOA ns.report.test. hostmaster.report.test. 1 3600 600 86400 60
            @ IN NS ns.report.test.
            ns IN A 127.0.0.1
            _smtp._tls IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@report.test,https://localhost:%d/tlsrpt"
            _smtp._tls.mx IN TXT "v=TLSRPTv1;rua=mailto:dane%%2Dreports@report.test"
            _smtp._tls.twice IN TXT "v=TLSRPTv1; rua=mailto:a@report.test"
            _smtp._tls.twice IN TXT "v=TLSRPTv1; rua=mailto:b@report.test"
            """;

    @TempDir
    static Path dir;
    static Bind9Server bind;
    static HttpsServer https;
    static ExecutorService executor;
    static StubResolver dns;
    static HttpClient http;
    static final List<byte[]> posted = new CopyOnWriteArrayList<>();
    static final List<String> postedTypes = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = new TestCa("Yubin TLSRPT test CA");
        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        https.setHttpsConfigurator(new HttpsConfigurator(ca.issue("localhost").serverContext()));
        https.createContext("/tlsrpt", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                posted.add(in.readAllBytes());
            }
            postedTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
            exchange.sendResponseHeaders(201, -1);
            exchange.close();
        });
        https.start();
        bind = new Bind9Server(Files.createDirectories(dir.resolve("dns")),
                Map.of("report.test", ZONE.formatted(https.getAddress().getPort())));
        executor = Executors.newCachedThreadPool();
        dns = new StubResolver(DnsSettings.DEFAULT.withServers(List.of(bind.address())), executor, Clock.systemUTC());
        SSLContext trusting = SSLContext.getInstance("TLS");
        trusting.init(null, MtaStsTrust.load(ca.writeCertificate(dir.resolve("ca.pem"))).getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(trusting).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (https != null) {
            https.stop(0);
        }
        if (bind != null) {
            bind.close();
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    static TlsReportPolicy stsPolicy() {
        return TlsReportPolicy.sts("report.test", List.of("version: STSv1", "mode: testing", "mx: *.report.test",
                "max_age: 86400"), List.of("*.report.test"));
    }

    @Test
    void finishedDaysAreReportedByHttpsAndByDkimSignedMailToTheDomainsThatAskForThem() throws Exception {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-05T13:00:00Z"));
        TlsResults results = TlsResults.counting(clock);
        for (int i = 0; i < 3; i++) {
            results.success(stsPolicy());
        }
        TlsResults.Failure expired = new TlsResults.Failure(TlsResultType.CERTIFICATE_EXPIRED, "mx1.report.test",
                "127.0.0.2", "certificate expired");
        results.failure(stsPolicy(), expired);
        results.failure(stsPolicy(), expired);
        results.success(TlsReportPolicy.none("report.test"));
        results.session(TlsReportPolicy.tlsa("mx.report.test", List.of("3 1 1 0a0b")), "mx.report.test", "127.0.0.3")
                .failed(new javax.net.ssl.SSLHandshakeException("no TLSA record matches"));
        results.success(TlsReportPolicy.none("quiet.test")); // no record: no report
        results.success(TlsReportPolicy.none("twice.report.test")); // two records: none is used

        Path keys = Files.createDirectories(dir.resolve("dkim/report.test"));
        var pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(keys.resolve("tls.key"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");

        try (Storage storage = EmbeddedStorage.open(dir.resolve("data"))) {
            List<SpoolId> offered = new ArrayList<>();
            TlsReporter reporter = new TlsReporter(results, dns, storage.spool(), storage.blobs(), id -> {
                offered.add(id);
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }, http, new DkimSigner(new DkimKeyDirectory(dir.resolve("dkim")), clock),
                    new TlsReporter.Settings("Yubin Test", "mailto:postmaster@report.test", "report.test",
                            MailAddress.parse("tlsrpt-noreply@report.test"), "member-1"), clock, executor);

            assertThat(reporter.reportFinishedDays().toCompletableFuture().get(60, TimeUnit.SECONDS))
                    .as("the day has not ended").isEmpty();

            clock.set(Instant.parse("2026-12-06T00:05:00Z"));
            results.success(stsPolicy()); // today's, for tomorrow's report
            List<TlsReporter.Sent> sent = reporter.reportFinishedDays().toCompletableFuture().get(60, TimeUnit.SECONDS);

            assertThat(sent).extracting(s -> s.to().toString()).containsExactlyInAnyOrder(
                    "https://localhost:" + https.getAddress().getPort() + "/tlsrpt", "mailto:tls-reports@report.test",
                    "mailto:dane-reports@report.test");
            assertThat(sent).allSatisfy(s -> assertThat(s.delivered()).as(s.toString()).isTrue());

            // HTTPS: the gzip JSON of report.test, with the MTA-STS policy and the no-policy sessions.
            assertThat(posted).hasSize(1);
            assertThat(postedTypes).containsExactly("application/tlsrpt+gzip");
            JsonObject report = new JsonObject(gunzip(posted.get(0)));
            assertThat(report.getString("organization-name")).isEqualTo("Yubin Test");
            assertThat(report.getString("contact-info")).isEqualTo("mailto:postmaster@report.test");
            assertThat(report.getString("report-id")).isEqualTo("2026-12-05.member-1.report.test@report.test");
            assertThat(report.getJsonObject("date-range").getString("start-datetime")).isEqualTo("2026-12-05T00:00:00Z");
            assertThat(report.getJsonObject("date-range").getString("end-datetime")).isEqualTo("2026-12-05T23:59:59Z");
            assertThat(report.getJsonArray("policies")).hasSize(2);
            JsonObject sts = policyOfType(report, "sts");
            assertThat(sts.getJsonObject("policy").getJsonArray("policy-string").getList().toArray())
                    .containsExactly("version: STSv1", "mode: testing", "mx: *.report.test", "max_age: 86400");
            assertThat(sts.getJsonObject("policy").getString("policy-domain")).isEqualTo("report.test");
            assertThat(sts.getJsonObject("policy").getJsonArray("mx-host").getList().toArray()).containsExactly("*.report.test");
            assertThat(sts.getJsonObject("summary").getLong("total-successful-session-count")).isEqualTo(3);
            assertThat(sts.getJsonObject("summary").getLong("total-failure-session-count")).isEqualTo(2);
            JsonObject detail = sts.getJsonArray("failure-details").getJsonObject(0);
            assertThat(detail.getString("result-type")).isEqualTo("certificate-expired");
            assertThat(detail.getString("receiving-mx-hostname")).isEqualTo("mx1.report.test");
            assertThat(detail.getString("receiving-ip")).isEqualTo("127.0.0.2");
            assertThat(detail.getLong("failed-session-count")).isEqualTo(2);
            JsonObject none = policyOfType(report, "no-policy-found");
            assertThat(none.getJsonObject("policy").containsKey("policy-string")).isFalse();
            assertThat(none.getJsonObject("summary").getLong("total-successful-session-count")).isEqualTo(1);

            // Mail: spooled to the rua addresses, TLS-Required: No, signed, the same report attached.
            assertThat(offered).hasSize(2);
            SpoolEntry mail = mailTo(storage, offered, "tls-reports@report.test");
            assertThat(mail.envelope().sender()).isEqualTo(MailAddress.parse("tlsrpt-noreply@report.test"));
            assertThat(mail.envelope().tls()).isEqualTo(Envelope.TlsRequirement.TLS_OPTIONAL);
            String text = body(storage, mail);
            assertThat(text).startsWith("DKIM-Signature:").contains("d=report.test", "s=tls",
                    "Subject: Report Domain: report.test Submitter: report.test Report-ID: <2026-12-05.member-1.report.test@report.test>",
                    "TLS-Report-Domain: report.test\r\n", "TLS-Report-Submitter: report.test\r\n", "TLS-Required: No\r\n",
                    "Content-Type: multipart/report; report-type=\"tlsrpt\"", "Content-Type: application/tlsrpt+gzip",
                    "filename=\"report.test!report.test!1796428800!1796515200!2026-12-05.member-1.report.test-report.test.json.gz\"");
            assertThat(new JsonObject(gunzip(attachment(text)))).isEqualTo(report);

            // DANE: the TLSA policy goes to the MX host's own domain.
            SpoolEntry dane = mailTo(storage, offered, "dane-reports@report.test");
            JsonObject daneReport = new JsonObject(gunzip(attachment(body(storage, dane))));
            JsonObject tlsa = policyOfType(daneReport, "tlsa");
            assertThat(tlsa.getJsonObject("policy").getString("policy-domain")).isEqualTo("mx.report.test");
            assertThat(tlsa.getJsonObject("policy").getJsonArray("policy-string").getList().toArray()).containsExactly("3 1 1 0a0b");
            assertThat(tlsa.getJsonArray("failure-details").getJsonObject(0).getString("result-type"))
                    .isEqualTo("validation-failure");

            assertThat(reporter.reportFinishedDays().toCompletableFuture().get(60, TimeUnit.SECONDS))
                    .as("each day is reported once").isEmpty();
            assertThat(results.today()).containsKey(stsPolicy());
        }
    }

    @Test
    void theRecordIsParsedAsRfc8460Section3Says() {
        assertThat(TlsRptRecord.parse("v=TLSRPTv1; rua=mailto:a@example.com, https://r.example.com/x;").rua())
                .extracting(Object::toString).containsExactly("mailto:a@example.com", "https://r.example.com/x");
        assertThat(TlsRptRecord.parse("v=TLSRPTv1;rua=mailto:a@example.com;foo=bar").rua()).hasSize(1);
        assertThat(TlsRptRecord.parse("v=TLSRPTv2; rua=mailto:a@example.com")).isNull();
        assertThat(TlsRptRecord.parse("rua=mailto:a@example.com; v=TLSRPTv1")).isNull();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1; rua=http://insecure.example.com/, ftp://x")).isNull();
        assertThat(TlsRptRecord.parse("v=TLSRPTv1")).isNull();
        assertThat(TlsRptRecord.select(List.of("v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@example.com"))).isNotNull();
    }

    @Test
    void failureDetailsAreBoundedPerPolicyAndDay() {
        TlsResults results = TlsResults.counting(new MovingClock(Instant.parse("2026-12-05T13:00:00Z")));
        for (int i = 0; i < TlsResults.MAX_FAILURE_DETAILS + 50; i++) {
            results.failure(stsPolicy(), new TlsResults.Failure(TlsResultType.STARTTLS_NOT_SUPPORTED, "mx" + i, null, null));
        }
        TlsResults.Summary summary = results.today().get(stsPolicy());
        assertThat(summary.failureCount()).isEqualTo(TlsResults.MAX_FAILURE_DETAILS + 50);
        assertThat(summary.failures()).hasSize(TlsResults.MAX_FAILURE_DETAILS + 1)
                .containsEntry(new TlsResults.Failure(TlsResultType.STARTTLS_NOT_SUPPORTED, null, null, null), 50L);
    }

    @Test
    void handshakeFailuresAreNamedAsTheReportNamesThem() throws Exception {
        assertThat(TlsResultType.of(handshake(new java.security.cert.CertificateException(
                "No subject alternative DNS name matching mx.example.com found.")))).isEqualTo(TlsResultType.CERTIFICATE_HOST_MISMATCH);
        assertThat(TlsResultType.of(handshake(
                new java.security.cert.CertificateExpiredException("expired")))).isEqualTo(TlsResultType.CERTIFICATE_EXPIRED);
        assertThat(TlsResultType.of(new javax.net.ssl.SSLHandshakeException(
                "PKIX path building failed"))).isEqualTo(TlsResultType.CERTIFICATE_NOT_TRUSTED);
        assertThat(TlsResultType.of(new javax.net.ssl.SSLHandshakeException("no cipher suites in common")))
                .isEqualTo(TlsResultType.VALIDATION_FAILURE);
    }

    static javax.net.ssl.SSLHandshakeException handshake(Throwable cause) {
        javax.net.ssl.SSLHandshakeException failure = new javax.net.ssl.SSLHandshakeException(cause.getMessage());
        failure.initCause(cause);
        return failure;
    }

    static JsonObject policyOfType(JsonObject report, String type) {
        for (int i = 0; i < report.getJsonArray("policies").size(); i++) {
            JsonObject entry = report.getJsonArray("policies").getJsonObject(i);
            if (entry.getJsonObject("policy").getString("policy-type").equals(type)) {
                return entry;
            }
        }
        throw new AssertionError("no " + type + " policy in " + report);
    }

    static SpoolEntry mailTo(Storage storage, List<SpoolId> ids, String recipient) throws Exception {
        for (SpoolId id : ids) {
            SpoolEntry entry = storage.spool().find(id).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
            if (entry.envelope().recipients().stream().anyMatch(r -> r.address().toString().equals(recipient))) {
                return entry;
            }
        }
        throw new AssertionError("no report to " + recipient);
    }

    static String body(Storage storage, SpoolEntry entry) throws Exception {
        try (InputStream in = storage.blobs().get(entry.blob().id()).toCompletableFuture().get(30, TimeUnit.SECONDS)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** The base64 of the application/tlsrpt+gzip part. */
    static byte[] attachment(String mail) {
        String after = mail.substring(mail.indexOf("Content-Type: application/tlsrpt+gzip"));
        String encoded = after.substring(after.indexOf("\r\n\r\n") + 4, after.indexOf("\r\n--"));
        return Base64.getMimeDecoder().decode(encoded);
    }

    static String gunzip(byte[] gzip) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
