package io.yubin.mailauth.dkim;

/**
 * A DKIM-Signature field or a key record that does not follow its syntax. The message is short
 * enough to stand as the reason in an Authentication-Results comment.
 */
final class DkimFormatException extends Exception {

    private static final long serialVersionUID = 1L;

    DkimFormatException(String reason) {
        super(reason, null, false, false);
    }
}
