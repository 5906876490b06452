package io.yubin.store;

/**
 * Rules for user-chosen passwords.
 *
 * @param minLength minimum length in code points (default 10)
 * @param maxLength maximum length in code points (default 1024)
 * @param rejectContainingUserName refuse passwords that contain the user's local part
 */
public record PasswordPolicy(int minLength, int maxLength, boolean rejectContainingUserName) {

    public static final PasswordPolicy DEFAULT = new PasswordPolicy(10, 1024, true);
}
