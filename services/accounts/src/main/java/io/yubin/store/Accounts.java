package io.yubin.store;

import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Account management over a {@link Directory} and a {@link MailboxStore}: what the admin API and
 * the protocol servers call. It applies the password policy, hashes passwords (Argon2id, on its own
 * threads: a hash costs tens of milliseconds and must never run on an event loop), checks aliases
 * for loops and provisions default mailboxes. Successful password verifications are remembered in a
 * {@link PasswordVerificationCache}, dropped on password change, removal and lockout. Failures are
 * {@link StoreException}s naming the field: INVALID (400), NOT_FOUND (404), CONFLICT (409).
 */
public final class Accounts implements AutoCloseable {

    /** A freshly generated app password: its metadata and the secret, shown once. */
    public record NewAppPassword(AppPassword password, String secret) {
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

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private final Directory directory;
    private final MailboxStore mailboxes;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final AddressResolver resolver;
    private final AddressPolicies addressPolicies;
    private final ExecutorService hashing;
    private final LoginThrottle accountThrottle;
    private final LoginThrottle clientThrottle;
    private final PasswordVerificationCache verified;
    private final SecureRandom random = new SecureRandom();
    private final Clock clock = Clock.systemUTC();
    /** Verified against for unknown users, so they cost as much time as a wrong password. */
    private final String dummyHash;

    private final List<Function<MailAddress, CompletionStage<Void>>> removalSteps = new CopyOnWriteArrayList<>();
    private final Quotas quotas;

    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy) {
        this(directory, mailboxes, hasher, policy, new LoginThrottle(LoginThrottle.Policy.ACCOUNT),
                new LoginThrottle(LoginThrottle.Policy.CLIENT_IP));
    }

    /** With the given login throttles: one keyed by account, one by client address. */
    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy,
            LoginThrottle accountThrottle, LoginThrottle clientThrottle) {
        this(directory, mailboxes, hasher, policy, accountThrottle, clientThrottle,
                new PasswordVerificationCache(PasswordVerificationCache.Settings.DEFAULT));
    }

    /** With the given login throttles and cache of successful password verifications. */
    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy,
            LoginThrottle accountThrottle, LoginThrottle clientThrottle, PasswordVerificationCache verified) {
        this(directory, mailboxes, hasher, policy, accountThrottle, clientThrottle, verified, AddressPolicies.DEFAULT);
    }

    /** With the domains' address formats, which new users and aliases must follow and recipients resolve by. */
    public Accounts(Directory directory, MailboxStore mailboxes, PasswordHasher hasher, PasswordPolicy policy,
            LoginThrottle accountThrottle, LoginThrottle clientThrottle, PasswordVerificationCache verified,
            AddressPolicies addressPolicies) {
        this.addressPolicies = addressPolicies;
        this.accountThrottle = accountThrottle;
        this.clientThrottle = clientThrottle;
        this.verified = verified;
        this.directory = directory;
        this.mailboxes = mailboxes;
        this.quotas = new Quotas(directory, mailboxes);
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

    public CompletionStage<List<Domain>> domains() {
        return directory.listDomains();
    }

    /**
     * Checks the domain's address policy (INVALID, field "address") and the password policy
     * (INVALID, field "password"), hashes, stores, provisions default mailboxes.
     */
    public CompletionStage<UserRecord> addUser(MailAddress address, char[] password, long quotaBytes) {
        if (quotaBytes < 0) {
            return CompletableFuture.failedFuture(StoreException.invalid("quotaBytes", "quota must not be negative"));
        }
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
            UserRecord user = new UserRecord(address, hash, quotaBytes, Instant.now(clock));
            return directory.addUser(user).thenCompose(v -> mailboxes.provision(address)).thenApply(v -> user);
        });
    }

    public CompletionStage<Void> changePassword(MailAddress address, char[] password) {
        return forgetting(address, requireUser(address)
                .thenCompose(u -> hash(address, password))
                .thenCompose(hash -> directory.setPasswordHash(address, hash)));
    }

    /**
     * Removes the aliases that point at the user, its mailboxes, what {@link #onUserRemoval} steps
     * forget, its app passwords, then the user.
     */
    public CompletionStage<Void> removeUser(MailAddress address) {
        return forgetting(address, requireUser(address)
                .thenCompose(u -> directory.listAliases(null))
                .thenCompose(aliases -> {
                    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
                    for (Alias a : aliases) {
                        if (a.target().equals(address)) {
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
                .thenCompose(v -> directory.removeUser(address)));
    }

    /** The users' storage quotas. */
    public Quotas quotas() {
        return quotas;
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
     * failed-login throttles (docs/architecture.md §5), per account and per client address. While either
     * is locked the secret is not even checked, so guessing costs the server nothing, and a cached
     * verification does not let the right secret in either. The failure that locks an account drops
     * its cached verifications.
     *
     * @param clientAddress the client's IP address as the server sees it (after PROXY protocol)
     */
    public CompletionStage<LoginResult> login(String login, char[] secret, String clientAddress) {
        String accountKey = "account:" + login.strip().toLowerCase(Locale.ROOT);
        String clientKey = "client:" + clientAddress;
        Optional<Instant> locked = later(accountThrottle.lockedUntil(accountKey), clientThrottle.lockedUntil(clientKey));
        if (locked.isPresent()) {
            return CompletableFuture.completedFuture(new LoginResult.Throttled(locked.get()));
        }
        return authenticate(login, secret).thenApply(user -> {
            if (user.isPresent()) {
                accountThrottle.success(accountKey);
                clientThrottle.success(clientKey);
                return new LoginResult.Success(user.get());
            }
            if (accountThrottle.failure(accountKey)) {
                forgetLogin(login);
            }
            clientThrottle.failure(clientKey);
            return new LoginResult.Failure();
        });
    }

    private void forgetLogin(String login) {
        try {
            verified.forget(MailAddress.parse(login));
        } catch (IllegalArgumentException e) {
            // Not an address: nothing of it was ever verified.
        }
    }

    private static Optional<Instant> later(Optional<Instant> a, Optional<Instant> b) {
        if (a.isEmpty()) {
            return b;
        }
        return b.isEmpty() || a.get().isAfter(b.get()) ? a : b;
    }

    /**
     * Checks a login: the secret may be the user's password or one of its app passwords. Empty for
     * a wrong secret or an unknown user (which costs the same time as a wrong password). A password
     * verified before against the user's current hash is taken from the cache without hashing.
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
                if (user.isPresent() && cacheKey.isPresent()
                        && verified.verified(cacheKey.get(), user.get().passwordHash())) {
                    return CompletableFuture.completedFuture(Optional.of(user.get().address()));
                }
                return CompletableFuture.supplyAsync(() -> {
                    String hash = user.map(UserRecord::passwordHash).orElse(dummyHash);
                    boolean ok = hasher.verify(hash, secret) && user.isPresent();
                    if (!ok) {
                        return Optional.<MailAddress>empty();
                    }
                    cacheKey.ifPresent(k -> verified.remember(k, hash));
                    return Optional.of(user.get().address());
                }, hashing);
            });
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

    private static String formatSecret(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : bytes) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                if (out.length() % 5 == 4) {
                    out.append('-');
                }
                out.append(BASE32[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        hashing.shutdownNow();
        verified.clear();
    }
}
