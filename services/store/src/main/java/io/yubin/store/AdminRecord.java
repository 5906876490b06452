package io.yubin.store;

import io.yubin.model.Domain;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A named administrator of the admin API (docs/operations.md, "Administrators and the audit log").
 *
 * @param name the login name, e.g. {@code ops-alice}: 1 to 64 of {@code a-z 0-9 . _ -}, starting with a
 *     letter or digit; not a mail address, so no mail user can be confused with it
 * @param passwordHash the Argon2id PHC string
 * @param role what it may manage
 * @param domains for {@link Role#DOMAIN}, the domains it manages (at least one); empty for {@link Role#GLOBAL}
 * @param totp its TOTP enrolment; the admin API refuses sessions without one
 * @param createdAt when it was added
 */
public record AdminRecord(String name, String passwordHash, Role role, Set<Domain> domains, Optional<Totp> totp,
        Instant createdAt) {

    /** Every administrator is one of these. */
    public enum Role {
        /** Everything: domains, users, the queue, other administrators. */
        GLOBAL,
        /** Users, aliases, app passwords, locks and two-factor enrolments of its domains only. */
        DOMAIN
    }

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public AdminRecord {
        Objects.requireNonNull(passwordHash, "passwordHash");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(totp, "totp");
        Objects.requireNonNull(createdAt, "createdAt");
        checkName(name);
        TreeSet<Domain> sorted = new TreeSet<>(Comparator.comparing(Domain::ascii));
        sorted.addAll(domains);
        domains = java.util.Collections.unmodifiableSet(sorted);
        checkDomains(role, domains);
    }

    /** INVALID (field "name") unless {@code name} is a valid administrator name. */
    public static String checkName(String name) {
        if ("bootstrap-token".equals(name)) {
            throw StoreException.invalid("name", "bootstrap-token is how the audit log names the admin token");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw StoreException.invalid("name", "an administrator name is 1 to 64 of a-z, 0-9, '.', '_', '-',"
                    + " starting with a letter or digit");
        }
        return name;
    }

    /** INVALID (field "domains") unless a DOMAIN administrator has domains and a GLOBAL one has none. */
    public static void checkDomains(Role role, Set<Domain> domains) {
        if (role == Role.DOMAIN && domains.isEmpty()) {
            throw StoreException.invalid("domains", "a domain administrator needs at least one domain");
        }
        if (role == Role.GLOBAL && !domains.isEmpty()) {
            throw StoreException.invalid("domains", "a global administrator manages every domain: give no domains");
        }
    }

    /** Never print the hash or the secret. */
    @Override
    public String toString() {
        return "AdminRecord[name=" + name + ", role=" + role + ", domains=" + domains + ", totp=" + totp.isPresent()
                + ", createdAt=" + createdAt + "]";
    }
}
