package io.yubin.delivery.mtasts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate authorities MTA-STS trusts (RFC 8461 §3.3 and §4.2: PKIX validation), for both the
 * policy's HTTPS server and the MX hosts: the JDK's trust anchors, plus the CA certificates of a PEM
 * file when one is configured. Reads files: build it off the event loop.
 */
public final class MtaStsTrust {

    private MtaStsTrust() {
    }

    /**
     * @param extraCaFile PEM CA certificates added to the JDK's anchors; null for the JDK's alone
     */
    public static TrustManagerFactory load(Path extraCaFile) {
        try {
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            if (extraCaFile == null) {
                return jdk;
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (TrustManager manager : jdk.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate anchor : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("jdk-" + n++, anchor);
                    }
                }
            }
            Collection<? extends Certificate> extra;
            try (InputStream in = Files.newInputStream(extraCaFile)) {
                extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (extra.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + extraCaFile);
            }
            for (Certificate certificate : extra) {
                store.setCertificateEntry("extra-" + n++, certificate);
            }
            TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            combined.init(store);
            return combined;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load the MTA-STS trust anchors"
                    + (extraCaFile == null ? "" : " with " + extraCaFile) + ": " + e.getMessage(), e);
        }
    }
}
