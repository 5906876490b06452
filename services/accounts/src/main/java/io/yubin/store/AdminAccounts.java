package io.yubin.store;

import io.yubin.model.Domain;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named administrators of the admin API (docs/operations.md, "Administrators and the audit log"):
 * adding one (Argon2id password, TOTP enrolled at once), and sessions opened with the password and
 * a TOTP code (RFC 6238). Every administrator has TOTP: one without it cannot open a session. A
 * session token is 256 random bits; the store keeps only its SHA-256, so every cluster member honours
 * a session another opened, and logging out or removing the administrator ends it everywhere. Failed
 * logins count against the {@link AccountLockout} under the key {@code admin:NAME}, whether or not the
 * name exists, and a wrong password, a wrong code, an unknown name and a lock all get the same
 * answer, so the API is no oracle.
 */
public final class AdminAccounts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminAccounts.class);

    /** What every session token starts with, so a server can tell one from another kind of token. */
    public static final String TOKEN_PREFIX = "yas_";

    /** 15 minutes. */
    public static final Duration DEFAULT_SESSION_LENGTH = Duration.ofMinutes(15);

    /** A new administrator and its TOTP secret and otpauth URI, shown this once. */
    public record NewAdmin(AdminRecord admin, String totpSecret, String totpUri) {
        @Override
        public String toString() {
            return "NewAdmin[" + admin + "]";
        }
    }

    /** The outcome of a login. */
    public sealed interface LoginResult {
        /** A session: {@code token} is shown this once. */
        record Success(AdminRecord admin, String token, Instant expiresAt) implements LoginResult {
            @Override
            public String toString() {
                return "Success[" + admin.name() + ", expiresAt=" + expiresAt + "]";
            }
        }

        /** Refused; {@code reason} is for the log only, never for the client. */
        record Failure(String reason) implements LoginResult {
        }
    }

    /** An open session and its administrator as the store holds them now. */
    public record SessionOf(AdminRecord admin, Administrators.Session session) {
    }

    private final Administrators store;
    private final AccountLockout lockout;
    private final PasswordHasher hasher;
    private final PasswordPolicy policy;
    private final Duration sessionLength;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService hashing;
    /** Verified against for unknown names, so they cost as much time as a wrong password. */
    private final String dummyHash;

    public AdminAccounts(Administrators store, AccountLockout lockout, PasswordHasher hasher, PasswordPolicy policy,
            Duration sessionLength, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.lockout = Objects.requireNonNull(lockout, "lockout");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (sessionLength.isNegative() || sessionLength.isZero()) {
            throw new IllegalArgumentException("the session length must be positive");
        }
        this.sessionLength = sessionLength;
        this.hashing = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "yubin-admin-password-hash");
            t.setDaemon(true);
            return t;
        });
        this.dummyHash = hasher.hash("not a real password".toCharArray());
    }

    /** How long a session lasts. */
    public Duration sessionLength() {
        return sessionLength;
    }

    /**
     * Checks the name and the password policy (INVALID), hashes the password, enrols TOTP with a new
     * secret and stores the administrator (CONFLICT when the name is taken).
     */
    public CompletionStage<NewAdmin> add(String name, char[] password, AdminRecord.Role role, Set<Domain> domains) {
        String secret = TotpCodes.newSecret(random);
        Instant now = clock.instant();
        try {
            AdminRecord.checkName(name);
            AdminRecord.checkDomains(role, domains);
            policy.check(name, password);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.supplyAsync(() -> hasher.hash(password), hashing).thenCompose(hash -> {
            AdminRecord admin = new AdminRecord(name, hash, role, domains, Optional.of(new Totp(secret, now)), now);
            return store.add(admin).thenApply(v -> {
                LOG.info("administrator {} added ({}{})", name, role, role == AdminRecord.Role.DOMAIN ? " of " + domains : "");
                return new NewAdmin(admin, secret, TotpCodes.uri(name, secret));
            });
        });
    }

    /**
     * Sets a new password (INVALID when the policy refuses it; NOT_FOUND when there is no such
     * administrator) and ends the administrator's sessions.
     */
    public CompletionStage<Void> changePassword(String name, char[] password) {
        try {
            policy.check(name, password);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.supplyAsync(() -> hasher.hash(password), hashing)
                .thenCompose(hash -> store.setPasswordHash(name, hash))
                .thenCompose(v -> store.removeSessions(name))
                .thenRun(() -> LOG.info("administrator {}: password changed, sessions ended", name));
    }

    /** Enrols TOTP afresh with a new secret (a lost authenticator) and ends the administrator's sessions. */
    public CompletionStage<NewAdmin> reenrolTotp(String name) {
        String secret = TotpCodes.newSecret(random);
        Totp totp = new Totp(secret, clock.instant());
        return store.setTotp(name, Optional.of(totp))
                .thenCompose(v -> store.removeSessions(name))
                .thenCompose(v -> store.find(name))
                .thenApply(admin -> {
                    LOG.info("administrator {}: TOTP enrolled afresh, sessions ended", name);
                    return new NewAdmin(admin.orElseThrow(() -> StoreException.notFound("name", "no administrator " + name)),
                            secret, TotpCodes.uri(name, secret));
                });
    }

    /** Sets the role and its domains (INVALID as for {@link #add}) and ends the administrator's sessions. */
    public CompletionStage<AdminRecord> setRole(String name, AdminRecord.Role role, Set<Domain> domains) {
        try {
            AdminRecord.checkDomains(role, domains);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        return store.setRole(name, role, domains)
                .thenCompose(v -> store.removeSessions(name))
                .thenCompose(v -> store.find(name))
                .thenApply(admin -> {
                    LOG.info("administrator {}: role set to {}{}, sessions ended", name, role,
                            role == AdminRecord.Role.DOMAIN ? " of " + domains : "");
                    return admin.orElseThrow(() -> StoreException.notFound("name", "no administrator " + name));
                });
    }

    public CompletionStage<List<AdminRecord>> list() {
        return store.list();
    }

    public CompletionStage<Optional<AdminRecord>> find(String name) {
        return store.find(name);
    }

    /** Removes the administrator and ends its sessions; NOT_FOUND when there is none. */
    public CompletionStage<Void> remove(String name) {
        return store.remove(name).thenRun(() -> LOG.info("administrator {} removed", name));
    }

    /** Lifts the lock of {@code admin:NAME} and forgets its failed logins; completes with the lock it had. */
    public CompletionStage<Optional<AccountLocks.Lock>> unlock(String name) {
        return lockout.unlock(lockKey(name));
    }

    /** The key the lockout counts an administrator's failed logins under. */
    public static String lockKey(String name) {
        return "admin:" + name;
    }

    /**
     * Opens a session when the password and the TOTP code are right and {@code admin:NAME} is not
     * locked; a failure is counted toward its lock.
     *
     * @param client the client address, kept with a lock a failure sets
     */
    public CompletionStage<LoginResult> login(String name, char[] password, String code, String client) {
        String key = lockKey(name);
        return lockout.lockedUntil(key).thenCompose(locked -> {
            if (locked.isPresent()) {
                return CompletableFuture.completedFuture(new LoginResult.Failure("locked until " + locked.get()));
            }
            CompletionStage<Optional<AdminRecord>> found = validName(name) ? store.find(name)
                    : CompletableFuture.completedFuture(Optional.empty());
            return found.thenCompose(admin -> CompletableFuture.supplyAsync(() -> check(admin, password, code), hashing)
                    .thenCompose(checked -> checked.failure() != null ? CompletableFuture.completedFuture(checked)
                            // RFC 6238 §5.2: the code of a step is accepted once, on any member.
                            : store.useTotpStep(name, checked.step()).thenApply(fresh -> fresh ? checked
                                    : Checked.failed("TOTP code already used; wait for the next one"))))
                    .thenCompose(checked -> {
                        if (checked.failure() != null) {
                            return lockout.failure(key, client).thenApply(lock -> (LoginResult) new LoginResult.Failure(
                                    checked.failure() + lock.map(l -> "; locked until " + l.until()).orElse("")));
                        }
                        return open(found, client);
                    });
        });
    }

    /** What {@link #check} found: the TOTP step of a right code, or why the login fails. */
    private record Checked(Long step, String failure) {
        static Checked failed(String why) {
            return new Checked(null, why);
        }
    }

    private CompletionStage<LoginResult> open(CompletionStage<Optional<AdminRecord>> found, String client) {
        return found.thenCompose(admin -> {
            String token = newToken();
            Instant now = clock.instant();
            Administrators.Session session = new Administrators.Session(tokenHash(token), admin.orElseThrow().name(),
                    now, now.plus(sessionLength), client);
            return store.addSession(session)
                    .thenApply(v -> new LoginResult.Success(admin.orElseThrow(), token, session.expiresAt()));
        });
    }

    /** The step of the right TOTP code when the password is right too, else why the login fails. */
    private Checked check(Optional<AdminRecord> admin, char[] password, String code) {
        boolean passwordOk = hasher.verify(admin.map(AdminRecord::passwordHash).orElse(dummyHash), password);
        if (admin.isEmpty()) {
            return Checked.failed("no such administrator");
        }
        if (!passwordOk) {
            return Checked.failed("wrong password");
        }
        Optional<Totp> totp = admin.get().totp();
        if (totp.isEmpty()) {
            return Checked.failed("no TOTP enrolment");
        }
        OptionalLong step = code == null ? OptionalLong.empty() : TotpCodes.step(totp.get().secret(), code, clock.instant());
        return step.isPresent() ? new Checked(step.getAsLong(), null) : Checked.failed("wrong TOTP code");
    }

    /** The session of {@code token} and its administrator, when both exist and the session is open. */
    public CompletionStage<Optional<SessionOf>> session(String token) {
        return store.findSession(tokenHash(token), clock.instant()).thenCompose(session -> session.isEmpty()
                ? CompletableFuture.completedFuture(Optional.<SessionOf>empty())
                : store.find(session.get().name()).thenApply(admin -> admin.map(a -> new SessionOf(a, session.get()))));
    }

    /** Ends the session of {@code token}, if any. */
    public CompletionStage<Void> logout(String token) {
        return store.removeSession(tokenHash(token));
    }

    private static boolean validName(String name) {
        try {
            AdminRecord.checkName(name);
            return true;
        } catch (StoreException e) {
            return false;
        }
    }

    private String newToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The hex SHA-256 the store keeps instead of the token. */
    public static String tokenHash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public void close() {
        hashing.shutdownNow();
    }
}
