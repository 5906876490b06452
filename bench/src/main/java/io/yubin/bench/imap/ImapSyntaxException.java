package io.yubin.bench.imap;

/** A response that does not follow the grammar of RFC 9051 §9. */
final class ImapSyntaxException extends Exception {

    ImapSyntaxException(String message) {
        super(message);
    }
}
