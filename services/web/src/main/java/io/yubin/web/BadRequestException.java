package io.yubin.web;

/** The request itself is wrong (malformed JSON, a missing or mistyped field): answered with 400. */
final class BadRequestException extends RuntimeException {

    private final String field;

    BadRequestException(String field, String message) {
        super(message, null, false, false);
        this.field = field;
    }

    /** The offending field, or null when the problem is not about one field. */
    String field() {
        return field;
    }
}
