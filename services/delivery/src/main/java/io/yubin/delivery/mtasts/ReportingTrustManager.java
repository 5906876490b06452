package io.yubin.delivery.mtasts;

import io.yubin.delivery.tls.ServerTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For MTA-STS {@code testing} mode (RFC 8461 §5): validates the server's certificate and host name as
 * {@code enforce} would, logs a failure, and accepts the certificate anyway. The failure is also
 * kept in the handshake's session under {@link #FAILURE}, for the TLS report (RFC 8460).
 */
public final class ReportingTrustManager extends ServerTrustManager {

    private static final Logger LOG = LoggerFactory.getLogger(ReportingTrustManager.class);

    /** The session value that holds the {@link CertificateException} a certificate would have failed with. */
    public static final String FAILURE = "io.yubin.mta-sts.testing-failure";

    private final X509ExtendedTrustManager validating;

    public ReportingTrustManager(TrustManagerFactory trust) {
        X509ExtendedTrustManager found = null;
        for (TrustManager manager : trust.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x509) {
                found = x509;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("no X.509 trust manager in " + trust.getAlgorithm());
        }
        this.validating = found;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        try {
            validating.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            if (engine.getHandshakeSession() != null) {
                engine.getHandshakeSession().putValue(FAILURE, e);
            }
            LOG.warn("MTA-STS (testing mode): the certificate of {} would fail the policy: {}",
                    engine.getPeerHost(), e.getMessage());
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        try {
            validating.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            LOG.warn("MTA-STS (testing mode): the certificate of {} would fail the policy: {}",
                    socket.getInetAddress(), e.getMessage());
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
        try {
            validating.checkServerTrusted(chain, authType);
        } catch (CertificateException e) {
            LOG.warn("MTA-STS (testing mode): a certificate would fail the policy: {}", e.getMessage());
        }
    }




    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return validating.getAcceptedIssuers();
    }
}
