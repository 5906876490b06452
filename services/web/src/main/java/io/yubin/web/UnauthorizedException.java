package io.yubin.web;

/** Wrong or missing credentials: answered with 401, saying nothing about which part was wrong. */
final class UnauthorizedException extends RuntimeException {

    UnauthorizedException() {
        super("wrong credentials", null, false, false);
    }
}
