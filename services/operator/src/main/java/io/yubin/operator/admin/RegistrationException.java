package io.yubin.operator.admin;

/** The admin API could not be asked or refused; {@code reason} is the condition reason. */
public final class RegistrationException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    public RegistrationException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RegistrationException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
