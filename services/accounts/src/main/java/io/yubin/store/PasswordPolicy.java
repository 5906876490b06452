package io.yubin.store;

import io.yubin.model.MailAddress;
import java.util.Locale;

/**
 * Rules for user-chosen passwords.
 *
 * @param minLength minimum length in code points (default 10)
 * @param maxLength maximum length in code points (default 1024)
 * @param rejectContainingUserName refuse passwords that contain the user's local part (when it has
 *        at least 3 characters)
 */
public record PasswordPolicy(int minLength, int maxLength, boolean rejectContainingUserName) {

    public static final PasswordPolicy DEFAULT = new PasswordPolicy(10, 1024, true);

    public PasswordPolicy {
        if (minLength < 1 || maxLength < minLength) {
            throw new IllegalArgumentException("password policy needs 1 <= min-length <= max-length");
        }
    }

    /** Throws INVALID (field {@code password}) naming the broken rule. */
    public void check(MailAddress user, char[] password) {
        check(user.localPart(), password);
    }

    /** As {@link #check(MailAddress, char[])} for an account known by {@code name} (an administrator). */
    public void check(String name, char[] password) {
        String pw = new String(password);
        int length = pw.codePointCount(0, pw.length());
        if (length < minLength) {
            throw StoreException.invalid("password", "password must be at least " + minLength + " characters long");
        }
        if (length > maxLength) {
            throw StoreException.invalid("password", "password must be at most " + maxLength + " characters long");
        }
        if (pw.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw StoreException.invalid("password", "password must not contain control characters");
        }
        String local = name.toLowerCase(Locale.ROOT);
        if (rejectContainingUserName && local.length() >= 3 && pw.toLowerCase(Locale.ROOT).contains(local)) {
            throw StoreException.invalid("password", "password must not contain the user name");
        }
    }
}
