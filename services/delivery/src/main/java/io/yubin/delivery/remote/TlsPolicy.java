package io.yubin.delivery.remote;

/** Whether and how the client uses STARTTLS (RFC 3207) towards remote servers. */
public enum TlsPolicy {
    /**
     * The default, Postfix's {@code smtp_tls_security_level = may}: STARTTLS whenever the server
     * offers it, without checking the certificate (unauthenticated encryption beats none, RFC 7435).
     * When the server refuses STARTTLS the session goes on in plaintext; when the TLS handshake
     * fails the connection is lost, so the client connects to the same address again at once and
     * sends in plaintext, not offering STARTTLS on that connection.
     */
    OPPORTUNISTIC,
    /**
     * Encryption required (certificate still not checked): a server without STARTTLS, or a failed
     * handshake, defers the recipients and the next host is tried.
     */
    REQUIRED,
    /** Never STARTTLS. */
    NONE
}
