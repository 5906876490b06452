package io.yubin.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.yubin.server.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsBootstrapTest {

    private static final ServerConfig.Tls SELF_SIGNED = new ServerConfig.Tls("", "", "mail.example.test");

    @TempDir
    Path dataDir;

    @Test
    void generatesASelfSignedCertificateOnFirstStartAndReusesItAfterwards() throws Exception {
        TlsFiles first = TlsBootstrap.prepare(SELF_SIGNED, dataDir);
        byte[] key = Files.readAllBytes(first.keyFile());

        TlsFiles second = TlsBootstrap.prepare(SELF_SIGNED, dataDir);

        assertThat(first.selfSigned()).isTrue();
        assertThat(first.certFile()).isEqualTo(dataDir.resolve("tls/cert.pem"));
        assertThat(first.keyFile()).isEqualTo(dataDir.resolve("tls/key.pem"));
        assertThat(second.certificate().getSerialNumber()).isEqualTo(first.certificate().getSerialNumber());
        assertThat(Files.readAllBytes(second.keyFile())).isEqualTo(key);
    }

    @Test
    void generatedCertificateParsesWithTheJdkForServerAuthOnTheHostnameAndLoopback() throws Exception {
        TlsFiles files = TlsBootstrap.prepare(SELF_SIGNED, dataDir);

        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(files.certFile())));
        cert.checkValidity();
        cert.verify(cert.getPublicKey());
        assertThat(TlsBootstrap.dnsNames(cert)).contains("mail.example.test", "localhost", "127.0.0.1");
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isBetween(Duration.ofDays(365), Duration.ofDays(366));
        assertThat(Files.readString(files.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----\n");
    }

    @Test
    void privateKeyIsReadableByItsOwnerOnly() throws Exception {
        TlsFiles files = TlsBootstrap.prepare(SELF_SIGNED, dataDir);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.keyFile())))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.keyFile().getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void regeneratesACertificateThatIsAboutToExpire() {
        TlsFiles first = TlsBootstrap.prepare(SELF_SIGNED, dataDir);
        Clock nextYear = Clock.fixed(Instant.now().plus(Duration.ofDays(360)), ZoneOffset.UTC);

        TlsFiles second = TlsBootstrap.prepare(SELF_SIGNED, dataDir, nextYear);

        assertThat(second.certificate().getSerialNumber()).isNotEqualTo(first.certificate().getSerialNumber());
        assertThat(second.certificate().getNotAfter()).isAfter(first.certificate().getNotAfter());
    }

    @Test
    void regeneratesWhenTheHostnameChanges() {
        TlsFiles first = TlsBootstrap.prepare(SELF_SIGNED, dataDir);

        TlsFiles second = TlsBootstrap.prepare(new ServerConfig.Tls("", "", "mx.example.test"), dataDir);

        assertThat(second.certificate().getSerialNumber()).isNotEqualTo(first.certificate().getSerialNumber());
        assertThat(TlsBootstrap.dnsNames(second.certificate())).contains("mx.example.test");
    }

    @Test
    void emptyHostnameMeansThisMachinesHostName() {
        TlsFiles files = TlsBootstrap.prepare(new ServerConfig.Tls("", "", ""), dataDir);

        assertThat(TlsBootstrap.dnsNames(files.certificate())).contains(TlsBootstrap.localHostName());
    }

    @Test
    void usesConfiguredFilesWithoutGeneratingAnything(@TempDir Path elsewhere) throws Exception {
        TlsFiles generated = TlsBootstrap.prepare(SELF_SIGNED, elsewhere);

        TlsFiles configured = TlsBootstrap.prepare(new ServerConfig.Tls(generated.certFile().toString(),
                generated.keyFile().toString(), ""), dataDir);

        assertThat(configured.selfSigned()).isFalse();
        assertThat(configured.certFile()).isEqualTo(generated.certFile());
        assertThat(configured.certificate()).isEqualTo(generated.certificate());
        assertThat(dataDir.resolve("tls")).doesNotExist();
    }

    /**
     * With Bouncy Castle registered as a provider (acme4j in the operator needs it), key conversion
     * names EC keys "ECDSA": the configured pair still matches. Failed in CI once a test in the same
     * JVM had registered it.
     */
    @Test
    void configuredFilesMatchWithBouncyCastleRegistered(@TempDir Path elsewhere) {
        TlsFiles generated = TlsBootstrap.prepare(SELF_SIGNED, elsewhere);
        boolean registered = java.security.Security.getProvider("BC") == null;
        if (registered) {
            java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
        }
        try {
            TlsFiles configured = TlsBootstrap.prepare(new ServerConfig.Tls(generated.certFile().toString(),
                    generated.keyFile().toString(), ""), dataDir);
            assertThat(configured.certificate()).isEqualTo(generated.certificate());
        } finally {
            if (registered) {
                java.security.Security.removeProvider("BC");
            }
        }
    }

    @Test
    void configuredKeyOfAnotherCertificateIsAClearError(@TempDir Path a, @TempDir Path b) {
        TlsFiles one = TlsBootstrap.prepare(SELF_SIGNED, a);
        TlsFiles other = TlsBootstrap.prepare(SELF_SIGNED, b);

        assertThatThrownBy(() -> TlsBootstrap.prepare(
                new ServerConfig.Tls(one.certFile().toString(), other.keyFile().toString(), ""), dataDir))
                .isInstanceOf(TlsException.class)
                .hasMessage("the private key in tls.key-file " + other.keyFile()
                        + " does not belong to the certificate in tls.cert-file " + one.certFile());
    }

    @Test
    void unreadableConfiguredCertificateIsAClearError() {
        Path missing = dataDir.resolve("missing.pem");

        assertThatThrownBy(() -> TlsBootstrap.prepare(new ServerConfig.Tls(missing.toString(), missing.toString(), ""),
                dataDir))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith("cannot read tls.cert-file " + missing);
    }

    @Test
    void configuredKeyFileWithoutAKeyIsAClearError() throws Exception {
        TlsFiles generated = TlsBootstrap.prepare(SELF_SIGNED, dataDir);

        assertThatThrownBy(() -> TlsBootstrap.prepare(new ServerConfig.Tls(generated.certFile().toString(),
                generated.certFile().toString(), ""), dataDir))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("tls.key-file " + generated.certFile() + " holds no unencrypted PEM private key");
    }

    @Test
    void vertxServesTlsWithTheGeneratedFilesToAClientTrustingTheCertificate() throws Exception {
        TlsFiles files = TlsBootstrap.prepare(SELF_SIGNED, dataDir);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("yubin", files.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);

        Vertx vertx = Vertx.vertx();
        try {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
                            .setKeyCertOptions(files.pemKeyCertOptions()))
                    .requestHandler(request -> request.response().end("ok"))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            HttpResponse<String> response = HttpClient.newBuilder().sslContext(ssl).build().send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + server.actualPort() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.body()).isEqualTo("ok");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
