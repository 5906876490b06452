package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Account management over a {@link Directory} and a {@link MailboxStore}: what the admin API and
 * the protocol servers call. It applies the password policy, hashes passwords (Argon2id, on its own
 * threads: a hash costs tens of milliseconds and must never run on an event loop), checks aliases
 * for loops and provisions default mailboxes. Successful password verifications are remembered in a
 * {@link PasswordVerificationCache}, dropped on password change, removal, lockout and TOTP enrolment.
 * Failures are {@link StoreException}s naming the field: INVALID (400), NOT_FOUND (404), CONFLICT (409).
 */
public final class Accounts implements AutoCloseable {

    /**
     * A user just added, and the role aliases ({@code postmaster@}, {@code abuse@} of its domain) that
     * now point at it ({@link #roleAliases}).
     */
    public record NewUser(UserRecord user, List<AliasSource> roleAliases) {
    }

    /** A freshly generated app password: its metadata and the secret, shown once. */
    public record NewAppPassword(AppPassword password, String secret) {
    }

    /** A new TOTP enrolment: the secret (base32) and the otpauth URI an authenticator app reads, shown once. */
    public record TotpEnrolment(String secret, String uri) {
        /** Never print the secret. */
        @Override
        public String toString() {
            return "TotpEnrolment[]";
        }
    }

    /** The outcome of a {@link #login}: what every protocol turns into its own reply. */
    public sealed interface LoginResult {
        /** The secret was right. */
        record Success(MailAddress user) implements LoginResult {
        }

        /** Wrong secret, unknown user or malformed login: the same answer for all three. */
        record Failure() implements LoginResult {
        }

        /** Too many failures for this account or client address; not checked until {@code until}. */
        record Throttled(Instant until) implements LoginResult {
        }
    }

    private final Directory directory;
    private final MailboxStore mailboxes;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final AddressResolver resolver;
    private final AddressPolicies addressPolicies;
    private final ExecutorService hashing;
    private final AccountLockout lockout;
    private final LoginThrottle clientThrottle;
    private final PasswordVerificationCache verified;
    private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);

    private final SecureRandom random = new SecureRandom();
    private final Clock clock = Clock.systemUTC();
    /** Verified against for unknown users, so they cost as much time as a wrong password. */
    private final String dummyHash;

    private final List<Function<MailAddress, CompletionStage<Void>>> removalSteps = new CopyOnWriteArrayList<>();
    private final Quotas quotas;

    /** With the default lockout policy over {@code locks} and the default per-client throttle. */
    public Accounts(Directory directory, MailboxStore mailboxes, AccountLocks locks, PasswordHasher hasher,
            PasswordPolicy policy) {
        this(directory, mailboxes, hasher, policy, new AccountLockout(locks, AccountLockout.Policy.DEFAULT),
                new LoginThrottle(LoginThrottle.Policy.CLIENT_IP));
    }

    /** With the given account lockout (in the store) and failed-login throttle per client address (in memory). */
    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy,
            AccountLockout lockout, LoginThrottle clientThrottle) {
        this(directory, mailboxes, hasher, policy, lockout, clientThrottle,
                new PasswordVerificationCache(PasswordVerificationCache.Settings.DEFAULT));
    }

    /** With the given lockout, client throttle and cache of successful password verifications. */
    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy,
            AccountLockout lockout, LoginThrottle clientThrottle, PasswordVerificationCache verified) {
        this(directory, mailboxes, hasher, policy, lockout, clientThrottle, verified, AddressPolicies.DEFAULT);
    }

    /** With the domains' address formats, which new users and aliases must follow and recipients resolve by. */
    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy,
            AccountLockout lockout, LoginThrottle clientThrottle, PasswordVerificationCache verified,
            AddressPolicies addressPolicies) {
        this.addressPolicies = addressPolicies;
        this.lockout = lockout;
        this.clientThrottle = clientThrottle;
        this.verified = verified;
        this.directory = directory;
        this.mailboxes = mailboxes;
        this.quotas = new Quotas(directory, mailboxes, clock);
        this.hasher = hasher;
        this.policy = policy;
        this.resolver = new AddressResolver(directory, addressPolicies);
        AtomicInteger n = new AtomicInteger();
        this.hashing = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "yubin-password-hash-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.dummyHash = hasher.hash("not a real password".toCharArray());
    }

    public AddressResolver resolver() {
        return resolver;
    }

    public AddressPolicies addressPolicies() {
        return addressPolicies;
    }

    /** INVALID (field {@code field}) when the domain's address policy refuses {@code address} for a new user or alias. */
    private void checkAddressPolicy(String field, MailAddress address) {
        addressPolicies.of(address.domain()).creationProblem(address.localPart()).ifPresent(problem -> {
            throw StoreException.invalid(field, address + ": " + problem + " (address policy of "
                    + address.domain().ascii() + ")");
        });
    }

    public CompletionStage<Void> addDomain(Domain domain) {
        return directory.addDomain(domain);
    }

    public CompletionStage<Void> removeDomain(Domain domain) {
        return directory.removeDomain(domain);
    }

    public CompletionStage<Boolean> isLocalDomain(Domain domain) {
        return directory.isLocalDomain(domain);
    }

    public CompletionStage<List<Domain>> domains() {
        return directory.listDomains();
    }

    /**
     * Checks the domain's address policy (INVALID, field "address") and the password policy
     * (INVALID, field "password"), hashes, stores, provisions default mailboxes, and makes the user
     * the domain's postmaster and abuse address where nothing takes their mail yet ({@link #roleAliases}).
     */
    public CompletionStage<NewUser> addUser(MailAddress address, char[] password, QuotaLimits quota) {
        try {
            checkAddressPolicy("address", address);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        return directory.isLocalDomain(address.domain()).thenCompose(local -> {
            if (!local) {
                throw StoreException.notFound("address", "domain " + address.domain() + " is not a local domain");
            }
            return hash(address, password);
        }).thenCompose(hash -> {
            UserRecord user = new UserRecord(address, hash, quota, Instant.now(clock));
            return directory.addUser(user).thenCompose(v -> mailboxes.provision(address))
                    .thenCompose(v -> roleAliases(address)).thenApply(roles -> new NewUser(user, roles));
        });
    }

    /**
     * RFC 5321 §4.5.1: every domain a server delivers for must take mail for postmaster (and RFC 2142
     * asks the same of abuse). Unless a role recipient is configured (the administrator's choice for
     * them, {@link AddressPolicies#role}), for each of them that resolves to nothing in the user's
     * domain (no user, alias or catch-all takes it) and that the domain's address policy allows, an
     * alias to this user is added: a domain's first user receives them until the administrator points
     * them elsewhere ({@code yubin alias}). Returns the aliases added, by name.
     */
    private CompletionStage<List<AliasSource>> roleAliases(MailAddress user) {
        if (addressPolicies.role().isPresent()) {
            return CompletableFuture.completedFuture(List.of());
        }
        List<AliasSource> added = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (String name : new TreeSet<>(AddressPolicy.ROLE_NAMES)) {
            if (addressPolicies.of(user.domain()).creationProblem(name).isPresent()) {
                continue;
            }
            AliasSource role = AliasSource.of(new MailAddress(name, user.domain()));
            chain = chain.thenCompose(v -> resolver.resolve(role.address())).thenCompose(resolution ->
                    !resolution.isUnknown() ? CompletableFuture.completedFuture(null)
                            : directory.addAlias(role, user).thenRun(() -> added.add(role)));
        }
        return chain.thenApply(v -> List.copyOf(added));
    }

    public CompletionStage<Void> changePassword(MailAddress address, char[] password) {
        return forgetting(address, requireUser(address)
                .thenCompose(u -> hash(address, password))
                .thenCompose(hash -> directory.setPasswordHash(address, hash)));
    }

    /**
     * Removes the aliases that point at the user, its mailboxes, what {@link #onUserRemoval} steps
     * forget, its app passwords, then the user. Where that took the postmaster or abuse address of a
     * domain (an alias to the user, or the user itself) that still has users, the domain's earliest
     * remaining user takes them ({@link #roleAliases}: RFC 5321 §4.5.1 wants postmaster to reach
     * someone for as long as the domain is served). Returns the aliases so handed over.
     */
    public CompletionStage<List<Alias>> removeUser(MailAddress address) {
        Set<Domain> rolesLost = new HashSet<>();
        if (isRole(address)) {
            rolesLost.add(address.domain());
        }
        return forgetting(address, requireUser(address)
                .thenCompose(u -> directory.listAliases(null))
                .thenCompose(aliases -> {
                    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
                    for (Alias a : aliases) {
                        if (a.target().equals(address)) {
                            if (!a.source().isCatchAll() && isRole(a.source().address())) {
                                rolesLost.add(a.source().domain());
                            }
                            chain = chain.thenCompose(v -> directory.removeAlias(a.source(), a.target()));
                        }
                    }
                    return chain;
                })
                .thenCompose(v -> mailboxes.deleteAll(address))
                .thenCompose(v -> {
                    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
                    for (Function<MailAddress, CompletionStage<Void>> step : removalSteps) {
                        chain = chain.thenCompose(x -> step.apply(address));
                    }
                    return chain;
                })
                .thenCompose(v -> directory.removeUser(address)))
                .thenCompose(v -> handOverRoles(rolesLost));
    }

    /**
     * For every local domain with users, its earliest user takes the postmaster and abuse addresses that
     * reach nobody ({@link #roleAliases}): for data written before users took them when added, or changed
     * behind the server's back. Run at start; returns the aliases added.
     */
    public CompletionStage<List<Alias>> ensureRoleAddresses() {
        if (addressPolicies.role().isPresent()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return directory.listDomains().thenCompose(this::handOverRoles);
    }

    private static boolean isRole(MailAddress address) {
        return AddressPolicy.ROLE_NAMES.contains(address.localPart().toLowerCase(Locale.ROOT));
    }

    /** For each domain, in name order, its earliest remaining user takes the role addresses that reach nobody. */
    private CompletionStage<List<Alias>> handOverRoles(Collection<Domain> domains) {
        List<Alias> handedOver = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (Domain domain : domains.stream().sorted(Comparator.comparing(Domain::ascii)).toList()) {
            chain = chain.thenCompose(v -> directory.listUsers(domain)).thenCompose(users -> users.stream()
                    .min(Comparator.comparing(UserRecord::createdAt).thenComparing(u -> u.address().toString()))
                    .map(heir -> roleAliases(heir.address()).thenAccept(added -> {
                        for (AliasSource role : added) {
                            LOG.info("{} now goes to {}, the earliest user of its domain (RFC 5321 §4.5.1, RFC 2142)",
                                    role, heir.address());
                            handedOver.add(new Alias(role, heir.address()));
                        }
                    }))
                    .orElse(CompletableFuture.completedFuture(null)));
        }
        return chain.thenApply(v -> List.copyOf(handedOver));
    }

    /** The users' and domains' quotas. */
    public Quotas quotas() {
        return quotas;
    }

    /** Sets a user's quota ({@link QuotaLimits#NONE}: none); NOT_FOUND when there is no such user. */
    public CompletionStage<Void> setQuota(MailAddress user, QuotaLimits quota) {
        return directory.setQuota(user, quota).thenRun(() -> quotas.recount(user.domain()));
    }

    /** A domain's quota and what its users store together; NOT_FOUND when the domain is not local. */
    public CompletionStage<Quotas.Usage> domainQuota(Domain domain) {
        return requireLocal(domain).thenCompose(v -> quotas.domain(domain));
    }

    /** A domain's quota without counting its use; NOT_FOUND when the domain is not local. */
    public CompletionStage<QuotaLimits> domainLimits(Domain domain) {
        return requireLocal(domain).thenCompose(v -> quotas.limits(domain));
    }

    private CompletionStage<Void> requireLocal(Domain domain) {
        return directory.isLocalDomain(domain).thenAccept(local -> {
            if (!local) {
                throw StoreException.notFound("domain", "domain " + domain + " is not local");
            }
        });
    }

    /** Sets a domain's quota over all its users ({@link QuotaLimits#NONE}: none); NOT_FOUND when not local. */
    public CompletionStage<Void> setDomainQuota(Domain domain, QuotaLimits quota) {
        return directory.setDomainQuota(domain, quota).thenRun(() -> quotas.recount(domain));
    }

    /**
     * Adds what else is forgotten when a user is removed (the user's spam model, say), run after the
     * mailboxes are deleted and before the user is; a step that fails leaves the user in place, so the
     * removal can be repeated.
     */
    public void onUserRemoval(Function<MailAddress, CompletionStage<Void>> step) {
        removalSteps.add(Objects.requireNonNull(step, "step"));
    }

    /**
     * Drops the user's cached verifications once the change is written (or failed). Only for
     * memory's sake: an entry verified against the old hash, even one added in between, no longer
     * matches the stored hash.
     */
    private CompletionStage<Void> forgetting(MailAddress user, CompletionStage<Void> change) {
        return change.whenComplete((v, e) -> verified.forget(user));
    }

    public CompletionStage<List<UserRecord>> users(Domain domainOrNull) {
        return directory.listUsers(domainOrNull);
    }

    public CompletionStage<Optional<UserRecord>> user(MailAddress address) {
        return directory.findUser(address);
    }

    /**
     * The source's domain must be local; a target in a local domain must be a user or an alias;
     * CONFLICT (field "target") when the new edge would make a loop.
     */
    public CompletionStage<Void> addAlias(AliasSource source, MailAddress target) {
        if (!source.isCatchAll() && source.address().equals(target)) {
            return CompletableFuture.failedFuture(StoreException.conflict("target", "an alias cannot point at itself"));
        }
        if (!source.isCatchAll()) {
            try {
                checkAddressPolicy("source", source.address());
            } catch (StoreException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return directory.isLocalDomain(source.domain()).thenCompose(local -> {
            if (!local) {
                throw StoreException.notFound("source", "domain " + source.domain() + " is not a local domain");
            }
            return directory.isLocalDomain(target.domain());
        }).thenCompose(targetLocal -> {
            if (!targetLocal) {
                return CompletableFuture.completedFuture(null);
            }
            return directory.findUser(target).thenCompose(user -> user.isPresent()
                    ? CompletableFuture.completedFuture(null)
                    : directory.aliasTargets(AliasSource.of(target)).thenAccept(targets -> {
                        if (targets.isEmpty()) {
                            throw StoreException.notFound("target", target + " is neither a user nor an alias");
                        }
                    }));
        }).thenCompose(v -> source.isCatchAll()
                ? CompletableFuture.completedFuture(false)
                : resolver.reaches(target, source.canonical())).thenCompose(loop -> {
                    if (loop) {
                        throw StoreException.conflict("target",
                                "alias " + source + " -> " + target + " would make a loop");
                    }
                    return directory.addAlias(source, target);
                });
    }

    public CompletionStage<Void> removeAlias(AliasSource source, MailAddress targetOrNull) {
        return directory.removeAlias(source, targetOrNull);
    }

    public CompletionStage<List<Alias>> aliases(Domain domainOrNull) {
        return directory.listAliases(domainOrNull);
    }

    /** Generates a 160-bit secret shown as eight groups of four base32 characters. */
    public CompletionStage<NewAppPassword> addAppPassword(MailAddress user, String label) {
        String cleanLabel = label == null || label.isBlank() ? "app" : label.strip();
        if (cleanLabel.length() > 100 || cleanLabel.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return CompletableFuture.failedFuture(
                    StoreException.invalid("label", "label must be at most 100 printable characters"));
        }
        byte[] bytes = new byte[20];
        random.nextBytes(bytes);
        String secret = formatSecret(bytes);
        byte[] idBytes = new byte[5];
        random.nextBytes(idBytes);
        String id = formatSecret(idBytes).replace("-", "");
        AppPassword password = new AppPassword(id, cleanLabel, secretHash(secret.toCharArray()), Instant.now(clock));
        return directory.addAppPassword(user, password).thenApply(v -> new NewAppPassword(password, secret));
    }

    public CompletionStage<List<AppPassword>> appPasswords(MailAddress user) {
        return requireUser(user).thenCompose(u -> directory.listAppPasswords(user));
    }

    /**
     * Takes effect at the next login on every cluster member: app passwords are looked up in the
     * directory by their SHA-256 at every login and never enter the verification cache.
     */
    public CompletionStage<Void> revokeAppPassword(MailAddress user, String id) {
        return directory.revokeAppPassword(user, id);
    }

    /**
     * A login from a protocol server (SMTP AUTH, IMAP, POP3): {@link #authenticate} behind the
     * failed-login throttle per client address (in this process's memory) and the account lockout
     * (in the store, so on every member and protocol: docs/operations.md, "Account lockout"). While
     * either holds, the secret is not even checked, so guessing costs the server nothing, and a
     * cached verification does not let the right secret in either. The failure that locks an
     * account drops its cached verifications. Only logins that are addresses count towards an
     * account's lockout: nothing else can be an account.
     *
     * @param clientAddress the client's IP address as the server sees it (after PROXY protocol)
     */
    public CompletionStage<LoginResult> login(String login, char[] secret, String clientAddress) {
        return login(login, secret, clientAddress, null);
    }

    /** Where a login comes from, for its log line: the protocol and whether the connection is TLS. */
    public record Channel(String protocol, boolean tls) {
    }

    /**
     * As {@link #login(String, char[], String)}, and one INFO line on the logger {@value #LOGIN_LOGGER}
     * per login (docs/operations.md, "Logs"): protocol, client address, TLS, the login name as given and
     * the outcome (success, failure, throttled); never the secret.
     */
    public CompletionStage<LoginResult> login(String login, char[] secret, String clientAddress, Channel channel) {
        CompletionStage<LoginResult> result = checkLogin(login, secret, clientAddress);
        if (channel == null) {
            return result;
        }
        return result.whenComplete((r, failure) -> {
            String outcome = failure != null ? "error" : r instanceof LoginResult.Success ? "success"
                    : r instanceof LoginResult.Throttled ? "throttled" : "failure";
            io.micrometer.core.instrument.Metrics.counter(LOGINS, "protocol", channel.protocol(), "result", outcome)
                    .increment();
            LOGIN_LOG.atInfo()
                    .addKeyValue("protocol", channel.protocol())
                    .addKeyValue("client", clientAddress)
                    .addKeyValue("tls", channel.tls())
                    .addKeyValue("login", printable(login))
                    .addKeyValue("result", outcome)
                    .log("login");
        });
    }

    /** Counter of logins on Micrometer's global registry, tags {@code protocol} and {@code result}. */
    public static final String LOGINS = "yubin.logins";

    /** The logger of the login lines. */
    public static final String LOGIN_LOGGER = "yubin.login";
    private static final org.slf4j.Logger LOGIN_LOG = org.slf4j.LoggerFactory.getLogger(LOGIN_LOGGER);

    /** A client's text in a log line: control characters replaced, at most 320 characters. */
    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(320).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }

    private CompletionStage<LoginResult> checkLogin(String login, char[] secret, String clientAddress) {
        Optional<MailAddress> account = address(login);
        String clientKey = "client:" + clientAddress;
        Optional<Instant> clientLocked = clientThrottle.lockedUntil(clientKey);
        if (clientLocked.isPresent()) {
            return CompletableFuture.completedFuture(new LoginResult.Throttled(clientLocked.get()));
        }
        CompletionStage<Optional<Instant>> accountLocked = account.isEmpty()
                ? CompletableFuture.completedFuture(Optional.empty())
                : lockout.lockedUntil(account.get().canonical());
        return accountLocked.thenCompose(locked -> {
            if (locked.isPresent()) {
                return CompletableFuture.completedFuture(new LoginResult.Throttled(locked.get()));
            }
            return authenticate(login, secret).thenCompose(user -> {
                if (user.isPresent()) {
                    clientThrottle.success(clientKey);
                    return CompletableFuture.completedFuture(new LoginResult.Success(user.get()));
                }
                clientThrottle.failure(clientKey);
                if (account.isEmpty()) {
                    return CompletableFuture.completedFuture(new LoginResult.Failure());
                }
                return lockout.failure(account.get().canonical(), clientAddress).thenApply(lock -> {
                    if (lock.isPresent()) {
                        verified.forget(account.get());
                    }
                    return (LoginResult) new LoginResult.Failure();
                });
            });
        });
    }

    /** The account lockout: the admin API lists locks through it. */
    public AccountLockout lockout() {
        return lockout;
    }

    /** Lifts the user's lock and forgets its failed logins; completes with the lock it had, if any. */
    public CompletionStage<Optional<AccountLocks.Lock>> unlock(MailAddress user) {
        return lockout.unlock(user.canonical());
    }

    private static Optional<MailAddress> address(String login) {
        try {
            return Optional.of(MailAddress.parse(login.strip()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Checks a login: the secret may be the user's password or one of its app passwords; for a user
     * with TOTP enrolled only an app password (docs/operations.md, "Two-factor authentication"). Empty
     * for a wrong secret or an unknown user (which costs the same time as a wrong password), and for
     * the password of a TOTP user (the same answer, so no oracle; logged). A password verified before
     * against the user's current hash is taken from the cache without hashing.
     */
    public CompletionStage<Optional<MailAddress>> authenticate(String login, char[] secret) {
        MailAddress address;
        try {
            address = MailAddress.parse(login);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.supplyAsync(() -> {
                hasher.verify(dummyHash, secret);
                return Optional.empty();
            }, hashing);
        }
        Optional<PasswordVerificationCache.Key> cacheKey = verified.key(address, secret);
        return directory.findAppPasswordOwner(secretHash(secret)).thenCompose(owner -> {
            if (owner.isPresent() && owner.get().equals(address)) {
                return CompletableFuture.completedFuture(owner);
            }
            return directory.findUser(address).thenCompose(user -> {
                boolean totp = user.isPresent() && user.get().totp().isPresent();
                // Before the cache: a verification cached before the enrolment must not let the password in.
                if (!totp && user.isPresent() && cacheKey.isPresent()
                        && verified.verified(cacheKey.get(), user.get().passwordHash())) {
                    return CompletableFuture.completedFuture(Optional.of(user.get().address()));
                }
                return CompletableFuture.supplyAsync(() -> {
                    String hash = user.map(UserRecord::passwordHash).orElse(dummyHash);
                    boolean ok = hasher.verify(hash, secret) && user.isPresent();
                    if (!ok) {
                        return Optional.<MailAddress>empty();
                    }
                    if (totp) {
                        LOG.info("refused a password login of {}: two-factor authentication is on, only app"
                                + " passwords log in", user.get().address());
                        return Optional.<MailAddress>empty();
                    }
                    cacheKey.ifPresent(k -> verified.remember(k, hash));
                    return Optional.of(user.get().address());
                }, hashing);
            });
        });
    }

    /**
     * Enrols the user in TOTP with a new secret, replacing an enrolment it had: from then on its
     * password no longer logs in to IMAP, POP3 or SMTP, only its app passwords. The secret is shown
     * this once.
     */
    public CompletionStage<TotpEnrolment> enableTotp(MailAddress user) {
        String secret = TotpCodes.newSecret(random);
        return forgetting(user, requireUser(user).thenCompose(u -> directory.setTotp(user,
                Optional.of(new Totp(secret, Instant.now(clock))))))
                .thenApply(v -> {
                    LOG.info("two-factor authentication enabled for {}", user);
                    return new TotpEnrolment(secret, TotpCodes.uri(user.toString(), secret));
                });
    }

    /** Removes the user's TOTP enrolment: its password logs in again. */
    public CompletionStage<Void> disableTotp(MailAddress user) {
        return requireUser(user).thenCompose(u -> directory.setTotp(user, Optional.empty()))
                .thenAccept(v -> LOG.info("two-factor authentication disabled for {}", user));
    }

    /**
     * Whether {@code code} is the user's TOTP code now (one step either side accepted). CONFLICT
     * (field "address") when the user has no TOTP enrolled; INVALID (field "code") when the code is
     * not six digits.
     */
    public CompletionStage<Boolean> verifyTotp(MailAddress user, String code) {
        if (code == null || !code.strip().matches("[0-9]{" + TotpCodes.DIGITS + "}")) {
            return CompletableFuture.failedFuture(StoreException.invalid("code", "a code is "
                    + TotpCodes.DIGITS + " digits"));
        }
        return requireUser(user).thenApply(u -> {
            Totp totp = u.totp().orElseThrow(() -> StoreException.conflict("address",
                    "user " + user + " has no two-factor authentication enrolled"));
            return TotpCodes.verify(totp.secret(), code, Instant.now(clock));
        });
    }

    private CompletionStage<UserRecord> requireUser(MailAddress address) {
        return directory.findUser(address).thenApply(u -> u.orElseThrow(
                () -> StoreException.notFound("address", "user " + address + " does not exist")));
    }

    private CompletionStage<String> hash(MailAddress address, char[] password) {
        try {
            policy.check(address, password);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        char[] copy = password.clone();
        return CompletableFuture.supplyAsync(() -> {
            try {
                return hasher.hash(copy);
            } finally {
                java.util.Arrays.fill(copy, '\0');
            }
        }, hashing);
    }

    /** App passwords are typed with or without dashes and in any case. */
    static String secretHash(char[] secret) {
        StringBuilder normalized = new StringBuilder();
        for (char c : secret) {
            if (c != '-' && !Character.isWhitespace(c)) {
                normalized.append(Character.toLowerCase(c));
            }
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(normalized.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** RFC 4648 base32 in lower case, a dash after every four characters: easy to read out and type. */
    private static String formatSecret(byte[] bytes) {
        String base32 = TotpCodes.base32(bytes).toLowerCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < base32.length(); i++) {
            if (i > 0 && i % 4 == 0) {
                out.append('-');
            }
            out.append(base32.charAt(i));
        }
        return out.toString();
    }

    @Override
    public void close() {
        hashing.shutdownNow();
        verified.clear();
    }
}
