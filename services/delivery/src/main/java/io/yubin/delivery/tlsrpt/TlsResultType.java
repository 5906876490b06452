package io.yubin.delivery.tlsrpt;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;

/** Why a TLS session failed, as RFC 8460 §4.3 names it in a report's {@code result-type}. */
public enum TlsResultType {
    // §4.3.1: negotiation failures
    STARTTLS_NOT_SUPPORTED("starttls-not-supported"),
    CERTIFICATE_HOST_MISMATCH("certificate-host-mismatch"),
    CERTIFICATE_EXPIRED("certificate-expired"),
    CERTIFICATE_NOT_TRUSTED("certificate-not-trusted"),
    VALIDATION_FAILURE("validation-failure"),
    // §4.3.2.1: DANE policy failures
    TLSA_INVALID("tlsa-invalid"),
    DNSSEC_INVALID("dnssec-invalid"),
    // §4.3.2.2: MTA-STS policy failures
    STS_POLICY_FETCH_ERROR("sts-policy-fetch-error"),
    STS_POLICY_INVALID("sts-policy-invalid"),
    STS_WEBPKI_INVALID("sts-webpki-invalid");

    private final String wire;

    TlsResultType(String wire) {
        this.wire = wire;
    }

    /** The name in the report. */
    public String wire() {
        return wire;
    }

    /**
     * What a failed handshake or certificate check means: an expired certificate, a certificate that
     * does not name the host (the JDK's host name check), a chain that leads to no trusted anchor, else
     * the general {@link #VALIDATION_FAILURE}.
     */
    public static TlsResultType of(Throwable failure) {
        TlsResultType found = VALIDATION_FAILURE;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CertificateExpiredException || t instanceof CertPathValidatorException path
                    && path.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return CERTIFICATE_EXPIRED;
            }
            String message = String.valueOf(t.getMessage());
            if (t instanceof CertificateException && (message.startsWith("No subject alternative")
                    || message.startsWith("No name matching"))) {
                return CERTIFICATE_HOST_MISMATCH;
            }
            if (t instanceof CertPathValidatorException || message.contains("PKIX path")) {
                found = CERTIFICATE_NOT_TRUSTED;
            }
        }
        return found;
    }
}
