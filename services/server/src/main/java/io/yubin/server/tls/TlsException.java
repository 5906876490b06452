package io.yubin.server.tls;

/** The configured certificate or key cannot be used; the message names the file. */
public final class TlsException extends RuntimeException {

    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
