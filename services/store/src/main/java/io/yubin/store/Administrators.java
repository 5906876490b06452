package io.yubin.store;

import io.yubin.model.Domain;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Named administrators of the admin API and their sessions (docs/operations.md, "Administrators and
 * the audit log"), kept in the store so that every cluster member knows the same administrators and
 * honours a session another member opened. A session is known by the SHA-256 of its token only: the
 * store never holds a token that works. Instants are the caller's; backends may forget sessions that
 * have expired (Cassandra TTLs).
 */
public interface Administrators {

    /**
     * An open session of the admin API.
     *
     * @param tokenHash the hex SHA-256 of the bearer token
     * @param name the administrator
     * @param createdAt when it was opened
     * @param expiresAt when it stops working
     * @param client the client address that opened it
     */
    record Session(String tokenHash, String name, Instant createdAt, Instant expiresAt, String client) {
        public Session {
            Objects.requireNonNull(tokenHash, "tokenHash");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(expiresAt, "expiresAt");
            Objects.requireNonNull(client, "client");
        }
    }

    /** Adds the administrator; CONFLICT (field "name") when one of that name exists. */
    CompletionStage<Void> add(AdminRecord admin);

    CompletionStage<Optional<AdminRecord>> find(String name);

    /** Every administrator, sorted by name. */
    CompletionStage<List<AdminRecord>> list();

    /** Removes the administrator and its sessions; NOT_FOUND (field "name") when there is none. */
    CompletionStage<Void> remove(String name);

    /** NOT_FOUND (field "name") when there is no such administrator. */
    CompletionStage<Void> setPasswordHash(String name, String passwordHash);

    /**
     * Sets or (empty) removes the TOTP enrolment, forgetting which code was used last; NOT_FOUND (field
     * "name") when there is no such administrator.
     */
    CompletionStage<Void> setTotp(String name, Optional<Totp> totp);

    /**
     * Marks the code of TOTP time step {@code step} used, when no code of that step or a later one was:
     * false when one was (RFC 6238 §5.2: a verifier accepts a code once, so a code seen by someone else
     * opens nothing). Atomic across members. NOT_FOUND (field "name") when there is no such administrator.
     */
    CompletionStage<Boolean> useTotpStep(String name, long step);

    /**
     * Sets the role and its domains (checked as {@link AdminRecord#checkDomains}); NOT_FOUND (field
     * "name") when there is no such administrator.
     */
    CompletionStage<Void> setRole(String name, AdminRecord.Role role, Set<Domain> domains);

    /** Stores a session until its {@link Session#expiresAt()}. */
    CompletionStage<Void> addSession(Session session);

    /** The session of that token hash when it is open at {@code now}. */
    CompletionStage<Optional<Session>> findSession(String tokenHash, Instant now);

    /** Ends the session; nothing when there is none. */
    CompletionStage<Void> removeSession(String tokenHash);

    /** Ends every session of the administrator (after its password, TOTP or role changed). */
    CompletionStage<Void> removeSessions(String name);
}
