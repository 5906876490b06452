package io.yubin.pop3;

import io.yubin.store.StoreException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The text of POP3 replies, and the one place that turns a failure into one. Response codes are
 * RFC 2449 §8 ({@code IN-USE}) and RFC 3206 ({@code AUTH}, {@code SYS/TEMP}, {@code SYS/PERM}).
 */
final class Pop3Replies {

    static final String AUTH = "AUTH";
    static final String IN_USE = "IN-USE";
    static final String SYS_TEMP = "SYS/TEMP";
    static final String SYS_PERM = "SYS/PERM";

    private Pop3Replies() {
    }

    static String ok(String text) {
        return "+OK " + text + "\r\n";
    }

    static String err(String text) {
        return "-ERR " + text + "\r\n";
    }

    static String err(String code, String text) {
        return "-ERR [" + code + "] " + text + "\r\n";
    }

    /** A multi-line answer (RFC 1939 §3); the lines never start with "." here, so none is stuffed. */
    static String multiLine(String status, List<String> lines) {
        StringBuilder out = new StringBuilder("+OK ").append(status).append("\r\n");
        for (String line : lines) {
            out.append(line).append("\r\n");
        }
        return out.append(".\r\n").toString();
    }

    /** The answer to a command that failed in the store or the cluster. */
    static String failure(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof StoreException e) {
            return switch (e.kind()) {
                case UNAVAILABLE -> err(SYS_TEMP, "the mail store is unavailable, try again later");
                case NOT_FOUND -> err(SYS_PERM, "the message or mailbox no longer exists");
                case CONFLICT, INVALID -> err(SYS_PERM, "the mail store refused the operation");
            };
        }
        return err(SYS_TEMP, "internal error, try again later");
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
