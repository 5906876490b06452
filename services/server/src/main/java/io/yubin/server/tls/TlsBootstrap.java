package io.yubin.server.tls;

import io.yubin.server.FilePermissions;
import io.yubin.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the server's certificate: the configured PEM files, or else a self-signed EC P-256
 * certificate generated on first start under {@code <data-dir>/tls/} and reused until it is about
 * to expire or no longer names the configured host.
 */
public final class TlsBootstrap {

    public static final String DIRECTORY = "tls";
    public static final String CERT_FILE = "cert.pem";
    public static final String KEY_FILE = "key.pem";

    static final Duration VALIDITY = Duration.ofDays(365);
    /** A certificate this close to its end is replaced at start rather than left to expire while running. */
    static final Duration RENEW_BEFORE = Duration.ofDays(7);

    private static final Logger LOG = LoggerFactory.getLogger(TlsBootstrap.class);

    private TlsBootstrap() {
    }

    public static TlsFiles prepare(ServerConfig.Tls tls, Path dataDir) {
        return prepare(tls, dataDir, Clock.systemUTC());
    }

    public static TlsFiles prepare(ServerConfig.Tls tls, Path dataDir, Clock clock) {
        if (tls.configured()) {
            return loadConfigured(Path.of(tls.certFile()), Path.of(tls.keyFile()));
        }
        String hostname = tls.hostname().isEmpty() ? localHostName() : tls.hostname();
        return selfSigned(dataDir.resolve(DIRECTORY), hostname, clock);
    }

    /** This machine's host name, as the self-signed certificate's default name. */
    public static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            LOG.warn("Cannot determine this machine's host name ({}); using localhost", e.getMessage());
            return "localhost";
        }
    }

    static TlsFiles loadConfigured(Path certFile, Path keyFile) {
        List<X509Certificate> chain = readCertificates(certFile, "tls.cert-file");
        PrivateKey key = readPrivateKey(keyFile, "tls.key-file");
        if (!matches(key, chain.get(0))) {
            throw new TlsException("the private key in tls.key-file " + keyFile
                    + " does not belong to the certificate in tls.cert-file " + certFile);
        }
        LOG.info("Using the TLS certificate {} ({}), valid until {}", certFile,
                chain.get(0).getSubjectX500Principal().getName(), chain.get(0).getNotAfter().toInstant());
        return new TlsFiles(certFile, keyFile, chain.get(0), false);
    }

    private static TlsFiles selfSigned(Path dir, String hostname, Clock clock) {
        Path certFile = dir.resolve(CERT_FILE);
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            String reason = reasonToRegenerate(certFile, keyFile, hostname, clock.instant());
            if (reason == null) {
                X509Certificate cert = readCertificates(certFile, "self-signed certificate").get(0);
                LOG.info("Using the self-signed TLS certificate {} for {}, valid until {}", certFile, hostname,
                        cert.getNotAfter().toInstant());
                return new TlsFiles(certFile, keyFile, cert, true);
            }
            LOG.info("Replacing the self-signed TLS certificate {}: {}", certFile, reason);
        }
        try {
            FilePermissions.createPrivateDirectories(dir);
            KeyPair keys = newKeyPair();
            X509Certificate cert = generate(keys, hostname, clock.instant());
            // The key first: a certificate file without its key would be useless.
            FilePermissions.writeAtomically(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), true);
            FilePermissions.writeAtomically(certFile, pem("CERTIFICATE", cert.getEncoded()), false);
            LOG.info("Generated a self-signed TLS certificate for {} in {}, valid until {}", hostname, certFile,
                    cert.getNotAfter().toInstant());
            return new TlsFiles(certFile, keyFile, cert, true);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new TlsException("cannot create a self-signed certificate in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Why the stored self-signed certificate cannot be reused, or null when it can. */
    private static String reasonToRegenerate(Path certFile, Path keyFile, String hostname, Instant now) {
        X509Certificate cert;
        PrivateKey key;
        try {
            cert = readCertificates(certFile, "self-signed certificate").get(0);
            key = readPrivateKey(keyFile, "self-signed key");
        } catch (TlsException e) {
            return e.getMessage();
        }
        if (cert.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) {
            return "it expires at " + cert.getNotAfter().toInstant();
        }
        if (!dnsNames(cert).contains(hostname)) {
            return "it is not for " + hostname;
        }
        if (!matches(key, cert)) {
            return "the key does not match it";
        }
        return null;
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static X509Certificate generate(KeyPair keys, String hostname, Instant now)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Yubin self-signed")
                .addRDN(BCStyle.CN, hostname)
                .build();
        // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 127 random bits.
        BigInteger serial = new BigInteger(127, new SecureRandom()).setBit(126);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, keys.getPublic());
        Set<GeneralName> names = new LinkedHashSet<>();
        names.add(generalName(hostname));
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        names.add(new GeneralName(GeneralName.iPAddress, "::1"));
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(names.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }

    private static GeneralName generalName(String hostname) {
        return IPAddress.isValid(hostname)
                ? new GeneralName(GeneralName.iPAddress, hostname)
                : new GeneralName(GeneralName.dNSName, hostname);
    }

    /** The DNS and IP names of a certificate's subjectAltName, as text. */
    public static List<String> dnsNames(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = cert.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> name : alternatives) {
                    int type = (Integer) name.get(0);
                    if (type == GeneralName.dNSName || type == GeneralName.iPAddress) {
                        names.add((String) name.get(1));
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            throw new TlsException("cannot read the names of certificate " + cert.getSubjectX500Principal(), e);
        }
        return names;
    }

    private static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static List<X509Certificate> readCertificates(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) c);
            }
            if (chain.isEmpty()) {
                throw new TlsException(what + " " + file + " contains no PEM certificate");
            }
            return chain;
        } catch (IOException e) {
            throw new TlsException("cannot read " + what + " " + file + ": " + e, e);
        } catch (GeneralSecurityException e) {
            throw new TlsException(what + " " + file + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey readPrivateKey(Path file, String what) {
        Object parsed;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            parsed = parser.readObject();
        } catch (IOException e) {
            throw new TlsException("cannot read " + what + " " + file + ": " + e, e);
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (parsed instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (parsed instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
        } catch (IOException e) {
            throw new TlsException(what + " " + file + " holds an unusable key: " + e.getMessage(), e);
        }
        throw new TlsException(what + " " + file
                + " holds no unencrypted PEM private key (PKCS#8 \"PRIVATE KEY\", \"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\")");
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            // "ECDSA" when Bouncy Castle is a registered provider (the operator and acme4j register it)
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new TlsException("unsupported private key algorithm " + key.getAlgorithm());
        };
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
