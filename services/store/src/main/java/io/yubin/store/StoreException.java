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
    private final boolean storageFull;

    public StoreException(Kind kind, String field, String message) {
        this(kind, field, message, null);
    }

    public StoreException(Kind kind, String field, String message, Throwable cause) {
        this(kind, field, message, cause, false);
    }

    private StoreException(Kind kind, String field, String message, Throwable cause, boolean storageFull) {
        super(message, cause);
        this.kind = kind;
        this.field = field;
        this.storageFull = storageFull;
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
     * UNAVAILABLE because the backend's storage is full (a full disk): nothing was written, and
     * retrying works once there is room. SMTP answers it {@code 452 4.3.1} (RFC 5321 §4.2.2
     * "insufficient system storage", RFC 3463 X.3.1 "mail system full").
     */
    public static StoreException full(String message, Throwable cause) {
        return new StoreException(Kind.UNAVAILABLE, null, message, cause, true);
    }

    /**
     * Whether {@code failure} (or a cause of it) says storage is full: a {@link #full} failure, or an
     * I/O error of a full file system or quota (ENOSPC, EDQUOT) met outside the store, such as while
     * spooling a message body to a temporary file.
     */
    public static boolean isStorageFull(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StoreException e && e.storageFull) {
                return true;
            }
            if (t instanceof java.io.IOException && isFullDiskMessage(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** The operating system's words for ENOSPC and EDQUOT, as the JDK reports them. */
    public static boolean isFullDiskMessage(String message) {
        return message != null && (message.contains("No space left on device") || message.contains("Disk quota exceeded"));
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
