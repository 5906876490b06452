package io.yubin.delivery.remote;

/** The remote server broke the protocol (a malformed reply, too long a line); the connection is dropped. */
public final class SmtpProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SmtpProtocolException(String message) {
        super(message);
    }
}
