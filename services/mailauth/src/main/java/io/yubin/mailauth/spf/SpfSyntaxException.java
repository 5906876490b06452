package io.yubin.mailauth.spf;

/** An SPF record, a term or a macro string that breaks the grammar of RFC 7208 §12. */
final class SpfSyntaxException extends Exception {

    private static final long serialVersionUID = 1L;

    SpfSyntaxException(String message) {
        super(message, null, false, false);
    }
}
