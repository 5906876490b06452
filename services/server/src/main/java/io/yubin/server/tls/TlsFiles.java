package io.yubin.server.tls;

import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

/**
 * The PEM files the TLS listeners use.
 *
 * @param certFile the certificate chain, leaf first
 * @param keyFile the private key of the leaf
 * @param certificate the leaf certificate
 * @param selfSigned whether it is the generated bootstrap certificate
 */
public record TlsFiles(Path certFile, Path keyFile, X509Certificate certificate, boolean selfSigned) {

    /** For a Vert.x server's {@code setKeyCertOptions}. */
    public PemKeyCertOptions pemKeyCertOptions() {
        return new PemKeyCertOptions().setCertPath(certFile.toString()).setKeyPath(keyFile.toString());
    }
}
