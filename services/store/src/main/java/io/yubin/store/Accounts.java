package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Account management over a {@link Directory} and a {@link MailboxStore}: what the admin API and
 * the protocol servers call. It applies the password policy, hashes passwords (Argon2id), checks
 * aliases for loops and provisions default mailboxes. Failures are {@link StoreException}s naming
 * the field: INVALID (400), NOT_FOUND (404), CONFLICT (409).
 */
public final class Accounts {

    /** A freshly generated app password: its metadata and the secret, shown once. */
    public record NewAppPassword(AppPassword password, String secret) {
    }

    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy) {
        throw new UnsupportedOperationException("being written");
    }

    public CompletionStage<Void> addDomain(Domain domain) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<Void> removeDomain(Domain domain) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<List<Domain>> domains() {
        throw new UnsupportedOperationException();
    }

    /** Checks the policy (INVALID, field "password"), hashes, stores, provisions default mailboxes. */
    public CompletionStage<UserRecord> addUser(MailAddress address, char[] password, long quotaBytes) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<Void> changePassword(MailAddress address, char[] password) {
        throw new UnsupportedOperationException();
    }

    /** Removes the user's mailboxes, app passwords, the aliases that point at it, then the user. */
    public CompletionStage<Void> removeUser(MailAddress address) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<List<UserRecord>> users(Domain domainOrNull) {
        throw new UnsupportedOperationException();
    }

    /**
     * The source's domain must be local; a target in a local domain must be a user or an alias;
     * CONFLICT (field "target") when the new edge would make a loop.
     */
    public CompletionStage<Void> addAlias(AliasSource source, MailAddress target) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<Void> removeAlias(AliasSource source, MailAddress targetOrNull) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<List<Alias>> aliases(Domain domainOrNull) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<NewAppPassword> addAppPassword(MailAddress user, String label) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<List<AppPassword>> appPasswords(MailAddress user) {
        throw new UnsupportedOperationException();
    }

    public CompletionStage<Void> revokeAppPassword(MailAddress user, String id) {
        throw new UnsupportedOperationException();
    }

    /**
     * Checks a login: the secret may be the user's password or one of its app passwords. Empty for
     * a wrong secret or an unknown user (which costs the same time as a wrong password).
     */
    public CompletionStage<Optional<MailAddress>> authenticate(String login, char[] secret) {
        throw new UnsupportedOperationException();
    }
}
