package io.yubin.store;

import java.util.concurrent.CompletionException;

/**
 * The one failure type of the storage SPI. {@link Kind} tells callers how to answer: the admin API
 * maps NOT_FOUND/CONFLICT/INVALID to 404/409/400 and UNAVAILABLE to 503; SMTP maps UNAVAILABLE to
 * {@code 451 4.3.0}.
 */
public class StoreException extends RuntimeException {

    public enum Kind {
        /** The named thing does not exist. */
        NOT_FOUND,
        /** It exists already, or the change would break a rule (a loop, a non-empty domain). */
        CONFLICT,
        /** The input is not acceptable (a weak password, a bad name). */
        INVALID,
        /** The backend could not be reached or failed; retrying later may work. */
        UNAVAILABLE
    }

    private final Kind kind;
    private final String field;

    public StoreException(Kind kind, String field, String message) {
        super(message);
        this.kind = kind;
        this.field = field;
    }

    public StoreException(Kind kind, String field, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.field = field;
    }

    public static StoreException notFound(String field, String message) {
        return new StoreException(Kind.NOT_FOUND, field, message);
    }

    public static StoreException conflict(String field, String message) {
        return new StoreException(Kind.CONFLICT, field, message);
    }

    public static StoreException invalid(String field, String message) {
        return new StoreException(Kind.INVALID, field, message);
    }

    public static StoreException unavailable(String message, Throwable cause) {
        return new StoreException(Kind.UNAVAILABLE, null, message, cause);
    }

    /**
     * True when {@code failure} is the store's refusal (NOT_FOUND, CONFLICT, INVALID): the write was
     * certainly not applied. An UNAVAILABLE failure (a timeout, a lost connection) or any other error
     * leaves the outcome unknown: the write may have been applied after all, so whatever it refers to
     * (a body) must be kept and left to the orphan sweep.
     */
    public static boolean isRefusal(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof StoreException e && e.kind() != Kind.UNAVAILABLE;
    }

    public Kind kind() {
        return kind;
    }

    /** The input field the failure is about (e.g. {@code address}, {@code password}), or null. */
    public String field() {
        return field;
    }
}
