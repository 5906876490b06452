package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Domains, users, aliases and credentials. This is storage only: password hashing, the password
 * policy and alias resolution sit above it ({@code Accounts}, {@code AddressResolver}, module
 * yubin-accounts) so every backend behaves the same. Addresses are keyed by
 * {@link MailAddress#canonical()}.
 *
 * <p>Failures are {@link StoreException}s: NOT_FOUND for a missing domain/user/alias, CONFLICT for
 * a duplicate or a removal that would leave dangling entries.
 */
public interface Directory {

    /** CONFLICT when it exists. */
    CompletionStage<Void> addDomain(Domain domain);

    /** NOT_FOUND when absent; CONFLICT while users or aliases of the domain remain. */
    CompletionStage<Void> removeDomain(Domain domain);

    /** Sorted by A-label. */
    CompletionStage<List<Domain>> listDomains();

    CompletionStage<Boolean> isLocalDomain(Domain domain);

    /**
     * NOT_FOUND when the domain is not local; CONFLICT when a user or an alias with that address
     * exists.
     */
    CompletionStage<Void> addUser(UserRecord user);

    CompletionStage<Optional<UserRecord>> findUser(MailAddress address);

    /** NOT_FOUND when the user does not exist. */
    CompletionStage<Void> setPasswordHash(MailAddress user, String passwordHash);

    /** Enrols the user in TOTP, or (empty) removes its enrolment. NOT_FOUND when the user does not exist. */
    CompletionStage<Void> setTotp(MailAddress user, Optional<Totp> totp);

    /** Sets the user's quota ({@link QuotaLimits#NONE}: none). NOT_FOUND when the user does not exist. */
    CompletionStage<Void> setQuota(MailAddress user, QuotaLimits quota);

    /**
     * Sets the quota of a local domain, over all its users together ({@link QuotaLimits#NONE}: none).
     * NOT_FOUND when the domain is not local.
     */
    CompletionStage<Void> setDomainQuota(Domain domain, QuotaLimits quota);

    /** The domain's quota; {@link QuotaLimits#NONE} when it has none or is not local. */
    CompletionStage<QuotaLimits> domainQuota(Domain domain);

    /** Users of one domain, or of all domains when {@code domain} is null; sorted by address. */
    CompletionStage<List<UserRecord>> listUsers(Domain domain);

    /** Removes the user and its app passwords. NOT_FOUND when absent. */
    CompletionStage<Void> removeUser(MailAddress user);

    /**
     * Adds one target to an alias (an alias may have several). NOT_FOUND when the source domain is
     * not local; CONFLICT when this source already has this target or a user has the source address.
     */
    CompletionStage<Void> addAlias(AliasSource source, MailAddress target);

    /**
     * Removes one target, or all targets when {@code target} is null. NOT_FOUND when nothing
     * matched.
     */
    CompletionStage<Void> removeAlias(AliasSource source, MailAddress target);

    /** The targets of one source, empty when it is not an alias. */
    CompletionStage<List<MailAddress>> aliasTargets(AliasSource source);

    /** All aliases of one domain, or of all domains when null; sorted by source then target. */
    CompletionStage<List<Alias>> listAliases(Domain domain);

    /** NOT_FOUND when the user does not exist; CONFLICT when the id is taken. */
    CompletionStage<Void> addAppPassword(MailAddress user, AppPassword password);

    /** Sorted by creation time. */
    CompletionStage<List<AppPassword>> listAppPasswords(MailAddress user);

    /** NOT_FOUND when the user has no app password with that id. */
    CompletionStage<Void> revokeAppPassword(MailAddress user, String id);

    /** The user that owns the app password with this hash, if any. */
    CompletionStage<Optional<MailAddress>> findAppPasswordOwner(String secretHash);
}
