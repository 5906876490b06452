package io.yubin.delivery.dane;

import io.yubin.delivery.tls.ServerTrustManager;
import io.yubin.mailauth.dns.TlsaRecord;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.security.auth.x500.X500Principal;

/**
 * Authenticates an SMTP server's certificate chain by its TLSA records (RFC 7672 §3.1), instead of
 * by certificate authorities:
 *
 * <ul>
 *   <li>DANE-EE(3): the server's own certificate (or its public key) matches; nothing else is checked,
 *       neither names nor dates (§3.1.1).</li>
 *   <li>DANE-TA(2): a certificate of the chain (or a public key the record carries whole) matches and
 *       signs, through the chain, the server's certificate, whose dates are valid and whose DNS names
 *       include the TLSA base domain, wildcards as RFC 6125 §6.4.3 (§3.1.2, §3.2.2).</li>
 * </ul>
 *
 * <p>A chain that matches no usable record fails the handshake; the caller then tries the next host
 * and never sends in plaintext.
 */
public final class DaneTrustManager extends ServerTrustManager {

    private final DanePolicy.Required policy;

    public DaneTrustManager(DanePolicy.Required policy) {
        this.policy = policy;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    /** Passes when the chain matches one usable record, else says why not. */
    void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("DANE: the server sent no certificate");
        }
        if (policy.usable().isEmpty()) {
            return; // RFC 7672 §2.2: encryption required, authentication impossible
        }
        List<String> problems = new ArrayList<>();
        for (TlsaRecord record : policy.usable()) {
            String problem = record.usage() == 3 ? endEntity(record, chain[0]) : trustAnchor(record, chain);
            if (problem == null) {
                return;
            }
            problems.add(record.usage() + " " + record.selector() + " " + record.matchingType() + ": " + problem);
        }
        throw new CertificateException("DANE: the certificate of " + policy.baseDomain() + " matches no TLSA record of "
                + policy.tlsaName() + " (" + String.join("; ", problems) + ")");
    }

    private static String endEntity(TlsaRecord record, X509Certificate leaf) {
        return matches(record, leaf) ? null : "the server's certificate does not match";
    }

    private String trustAnchor(TlsaRecord record, X509Certificate[] chain) {
        // the chain is checked from the server's certificate up to "top", which the anchor is or signs
        int top = -1;
        for (int i = 0; i < chain.length && top < 0; i++) {
            if (matches(record, chain[i])) {
                top = i;
            }
        }
        if (top < 0) {
            // RFC 7671 §5.2.2: "2 1 0" carries the anchor's whole public key, which need not be sent.
            PublicKey anchorKey = record.selector() == 1 && record.matchingType() == 0 ? publicKey(record.data()) : null;
            for (int i = 0; anchorKey != null && i < chain.length && top < 0; i++) {
                if (signedBy(chain[i], anchorKey)) {
                    top = i;
                }
            }
            if (top < 0) {
                return "no certificate of the chain matches";
            }
            try {
                chain[top].checkValidity();
            } catch (CertificateException e) {
                return "certificate " + chain[top].getSubjectX500Principal() + ": " + e.getMessage();
            }
        }
        for (int i = 0; i < top; i++) {
            try {
                chain[i].checkValidity();
            } catch (CertificateException e) {
                return "certificate " + chain[i].getSubjectX500Principal() + ": " + e.getMessage();
            }
            if (!signedBy(chain[i], chain[i + 1].getPublicKey())) {
                return "certificate " + chain[i].getSubjectX500Principal() + " is not signed by the next of the chain";
            }
        }
        return namesInclude(chain[0], policy.baseDomain()) ? null
                : "the server's certificate does not name " + policy.baseDomain();
    }

    private static boolean signedBy(X509Certificate certificate, PublicKey key) {
        try {
            certificate.verify(key);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static boolean matches(TlsaRecord record, X509Certificate certificate) {
        try {
            byte[] content = record.selector() == 0 ? certificate.getEncoded() : certificate.getPublicKey().getEncoded();
            byte[] expected = switch (record.matchingType()) {
                case 0 -> content;
                case 1 -> MessageDigest.getInstance("SHA-256").digest(content);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(content);
                default -> null;
            };
            return expected != null && MessageDigest.isEqual(expected, record.data());
        } catch (CertificateException | NoSuchAlgorithmException e) {
            return false;
        }
    }

    private static PublicKey publicKey(byte[] spki) {
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki));
            } catch (GeneralSecurityException notThisOne) {
                // try the next algorithm
            }
        }
        return null;
    }

    /**
     * Whether the certificate's DNS names (subjectAltName dNSName; the subject's CN only when there is
     * none, RFC 6125 §6.4.4) include {@code host}, a leftmost "*" label standing for one label.
     */
    static boolean namesInclude(X509Certificate certificate, String host) {
        String wanted = host.toLowerCase(Locale.ROOT);
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (Integer.valueOf(2).equals(alternative.get(0))) {
                        names.add(String.valueOf(alternative.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names.isEmpty()) {
            String subject = certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
            for (String part : subject.split(",")) {
                if (part.regionMatches(true, 0, "CN=", 0, 3)) {
                    names.add(part.substring(3));
                }
            }
        }
        for (String name : names) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.endsWith(".")) {
                n = n.substring(0, n.length() - 1);
            }
            if (n.equals(wanted)) {
                return true;
            }
            if (n.startsWith("*.") && wanted.indexOf('.') > 0
                    && wanted.substring(wanted.indexOf('.') + 1).equals(n.substring(2))) {
                return true;
            }
        }
        return false;
    }




    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
