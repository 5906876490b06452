package io.yubin.web;

/** The administrator may not do this (docs/admin-api.md, "Roles"): answered with 403. */
final class ForbiddenException extends RuntimeException {

    ForbiddenException(String message) {
        super(message, null, false, false);
    }
}
