package io.yubin.web;

import io.yubin.model.AddressException;
import io.yubin.store.StoreException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failure into an HTTP answer: {@code {"error": ..., "field": ...}}.
 *
 * @param status the HTTP status
 * @param error one sentence for the client
 * @param field the request field it is about, or null
 */
record ErrorResponse(int status, String error, String field) {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponse.class);

    /**
     * A failure while handling a request. Only unexpected ones are logged: their messages come from
     * the store and code paths that never see the request's password or token.
     */
    static ErrorResponse of(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof BadRequestException e) {
            return new ErrorResponse(400, e.getMessage(), e.field());
        }
        if (t instanceof UnauthorizedException) {
            return new ErrorResponse(401, "wrong name, password or code, or too many failed logins", null);
        }
        if (t instanceof ForbiddenException e) {
            return new ErrorResponse(403, e.getMessage(), null);
        }
        if (t instanceof AddressException e) {
            return new ErrorResponse(400, e.getMessage(), null);
        }
        if (t instanceof StoreException e) {
            return switch (e.kind()) {
                case INVALID -> new ErrorResponse(400, e.getMessage(), e.field());
                case NOT_FOUND -> new ErrorResponse(404, e.getMessage(), e.field());
                case CONFLICT -> new ErrorResponse(409, e.getMessage(), e.field());
                case UNAVAILABLE -> {
                    LOG.warn("storage unavailable", e);
                    yield new ErrorResponse(503, "storage is unavailable, try again later", null);
                }
            };
        }
        LOG.error("unexpected failure handling an admin API request", t);
        return new ErrorResponse(500, "internal error", null);
    }

    /** A status set by Vert.x Web itself (no route, body too large, ...), without an exception. */
    static ErrorResponse ofStatus(int status) {
        return switch (status) {
            case 400 -> new ErrorResponse(400, "bad request", null);
            case 401 -> new ErrorResponse(401, "missing or wrong bearer token", null);
            case 403 -> new ErrorResponse(403, "your address may not use the admin API", null);
            case 404 -> new ErrorResponse(404, "no such resource", null);
            case 405 -> new ErrorResponse(405, "method not allowed on this resource", null);
            case 413 -> new ErrorResponse(413,
                    "request body is larger than " + AdminServer.MAX_BODY_BYTES + " bytes", null);
            default -> status >= 400 && status < 500
                    ? new ErrorResponse(status, "request refused", null)
                    : new ErrorResponse(500, "internal error", null);
        };
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
