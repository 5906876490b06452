package io.yubin.operator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.yubin.operator.DomainSettings;
import io.yubin.operator.crd.MailDomain;
import io.yubin.operator.dns.DnsPublishException;
import io.yubin.operator.dns.Rfc2136Publisher;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Dns01Challenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;

/**
 * Certificates from an ACME CA (RFC 8555) with DNS-01 challenges (§8.4) answered through the
 * domain's RFC 2136 server: the account key is kept in the Secret {@code <name>-acme-account};
 * each challenge TXT record is added for the validation and deleted after it. Blocking; one
 * issuance takes a few seconds against a CA that validates at once.
 */
final class AcmeIssuer {

    static final Duration VALIDATION_TIMEOUT = Duration.ofSeconds(60);

    /** The chain and key of an issued certificate, in PEM. */
    record Issued(String chainPem, String privateKeyPem, X509Certificate certificate) {
    }

    private final KubernetesClient client;
    private final SecureRandom random;

    AcmeIssuer(KubernetesClient client, SecureRandom random) {
        this.client = client;
        this.random = random;
        if (Security.getProvider(BouncyCastleProvider.PROVIDER_NAME) == null) {
            // acme4j builds the CSR with Bouncy Castle's JCA provider
            Security.addProvider(new BouncyCastleProvider());
        }
    }

    static String accountSecretName(MailDomain owner) {
        return owner.getMetadata().getName() + "-acme-account";
    }

    Issued issue(MailDomain owner, DomainSettings.Acme acme, List<String> names, Rfc2136Publisher dns, String caPem)
            throws StepException {
        try {
            Session session = new Session(URI.create(acme.directoryUrl()), new TrustingProvider(caPem));
            Account account = new AccountBuilder().agreeToTermsOfService().addEmail(acme.email())
                    .useKeyPair(accountKey(owner)).create(session);
            Order order = account.newOrder().domains(names).create();
            for (Authorization authorization : order.getAuthorizations()) {
                if (authorization.getStatus() == Status.VALID) {
                    continue;
                }
                Dns01Challenge challenge = authorization.findChallenge(Dns01Challenge.class).orElseThrow(
                        () -> new StepException("AcmeNoDns01", "the CA at " + acme.directoryUrl()
                                + " offers no dns-01 challenge for " + authorization.getIdentifier().getDomain(), false));
                String name = challenge.getRRName(authorization.getIdentifier());
                dns.addTxt(name, challenge.getDigest(), 60);
                try {
                    challenge.trigger();
                    Status status = challenge.waitForCompletion(VALIDATION_TIMEOUT);
                    if (status != Status.VALID) {
                        throw new StepException("AcmeChallengeFailed", "the CA did not validate " + name + ": "
                                + challenge.getError().map(Object::toString).orElse(status.toString()), true);
                    }
                } finally {
                    dns.deleteTxt(name, challenge.getDigest());
                }
            }
            order.waitUntilReady(VALIDATION_TIMEOUT);
            KeyPair key = ecKey();
            order.execute(key);
            Status status = order.waitForCompletion(VALIDATION_TIMEOUT);
            if (status != Status.VALID) {
                throw new StepException("AcmeOrderFailed", "the CA did not issue the certificate for " + names + ": "
                        + order.getError().map(Object::toString).orElse(status.toString()), true);
            }
            StringWriter chain = new StringWriter();
            order.getCertificate().writeCertificate(chain);
            return new Issued(chain.toString(), pem("PRIVATE KEY", key.getPrivate().getEncoded()),
                    order.getCertificate().getCertificate());
        } catch (AcmeException e) {
            throw new StepException("AcmeError", "ACME at " + acme.directoryUrl() + ": " + e.getMessage(), true);
        } catch (DnsPublishException e) {
            throw new StepException(e.reason(), "the DNS-01 challenge record: " + e.getMessage(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepException("AcmeError", "interrupted", true);
        } catch (IOException | GeneralSecurityException e) {
            throw new StepException("AcmeError", "ACME at " + acme.directoryUrl() + ": " + e, true);
        }
    }

    /** The ACME account's key pair (EC P-256), made once and kept in a Secret the resource owns. */
    private KeyPair accountKey(MailDomain owner) throws GeneralSecurityException {
        String namespace = owner.getMetadata().getNamespace();
        String name = accountSecretName(owner);
        Secret existing = client.secrets().inNamespace(namespace).withName(name).get();
        Map<String, String> data = existing == null || existing.getData() == null ? Map.of() : existing.getData();
        if (data.get("account.key") != null && data.get("account.pub") != null) {
            KeyFactory factory = KeyFactory.getInstance("EC");
            return new KeyPair(
                    factory.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(data.get("account.pub")))),
                    factory.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(data.get("account.key")))));
        }
        KeyPair key = ecKey();
        Secret secret = new SecretBuilder().withMetadata(Owned.metadata(owner, name)).withType("Opaque")
                .withData(Map.of("account.key", Base64.getEncoder().encodeToString(key.getPrivate().getEncoded()),
                        "account.pub", Base64.getEncoder().encodeToString(key.getPublic().getEncoded())))
                .build();
        if (existing == null) {
            client.secrets().inNamespace(namespace).resource(secret).create();
        } else {
            secret.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.secrets().inNamespace(namespace).resource(secret).update();
        }
        return key;
    }

    private KeyPair ecKey() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** The generic provider, checking the directory's HTTPS with one given CA when there is one. */
    private static final class TrustingProvider extends GenericAcmeProvider {

        private final String caPem;

        TrustingProvider(String caPem) {
            this.caPem = caPem;
        }

        @Override
        public HttpClient createHttpClient(NetworkSettings settings) {
            if (caPem == null) {
                return super.createHttpClient(settings);
            }
            try {
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                int n = 0;
                for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(
                        new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                    trust.setCertificateEntry("ca" + n++, ca);
                }
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(trust);
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(null, factory.getTrustManagers(), null);
                return HttpClient.newBuilder().connectTimeout(settings.getTimeout()).sslContext(tls)
                        .followRedirects(HttpClient.Redirect.NORMAL).build();
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalArgumentException("the CA certificate of the ACME directory is unusable: " + e, e);
            }
        }
    }
}
