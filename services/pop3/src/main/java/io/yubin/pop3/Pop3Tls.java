package io.yubin.pop3;

import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.util.List;
import java.util.Set;

/** The TLS settings of both listeners (ARCHITECTURE.md §5): TLS 1.2 and 1.3, AEAD ciphers only. */
final class Pop3Tls {

    static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private Pop3Tls() {
    }

    /** For the STLS upgrade on the plain port (RFC 2595). */
    static ServerSSLOptions upgradeOptions(PemKeyCertOptions keyCert) {
        ServerSSLOptions options = new ServerSSLOptions()
                .setKeyCertOptions(keyCert)
                .setEnabledSecureTransportProtocols(PROTOCOLS);
        CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
        return options;
    }

    /** For the implicit-TLS port. */
    static NetServerOptions implicit(NetServerOptions options, PemKeyCertOptions keyCert) {
        options.setSsl(true).setKeyCertOptions(keyCert).setEnabledSecureTransportProtocols(PROTOCOLS);
        CIPHER_SUITES.forEach(options::addEnabledCipherSuite);
        return options;
    }
}
