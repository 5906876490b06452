package io.yubin.web;

import io.yubin.model.Domain;
import io.yubin.store.AdminRecord;
import java.util.Objects;
import java.util.Set;

/**
 * Who makes an admin API request: the bootstrap token (a global administrator) or a named
 * administrator's session. What it may do is decided by {@link Access} alone.
 *
 * @param name the administrator's name, or {@link #BOOTSTRAP_NAME}
 * @param role its role
 * @param domains for {@link AdminRecord.Role#DOMAIN}, the domains it manages
 */
record Principal(String name, AdminRecord.Role role, Set<Domain> domains) {

    /** How the audit log names the bootstrap token. */
    static final String BOOTSTRAP_NAME = "bootstrap-token";

    static final Principal BOOTSTRAP = new Principal(BOOTSTRAP_NAME, AdminRecord.Role.GLOBAL, Set.of());

    Principal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        domains = Set.copyOf(domains);
    }

    static Principal of(AdminRecord admin) {
        return new Principal(admin.name(), admin.role(), admin.domains());
    }

    boolean global() {
        return role == AdminRecord.Role.GLOBAL;
    }

    boolean mayManage(Domain domain) {
        return global() || domains.contains(domain);
    }
}
