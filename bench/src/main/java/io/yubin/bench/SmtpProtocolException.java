package io.yubin.bench;

/** The server said something that is not an SMTP reply, or not the one the dialogue allows. */
final class SmtpProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SmtpProtocolException(String message) {
        super(message);
    }
}
