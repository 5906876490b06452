package io.yubin.web;

import io.vertx.ext.web.RoutingContext;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import java.util.Objects;

/**
 * The one place that decides what an administrator may do (docs/admin-api.md, "Roles"). Each route
 * declares a {@link Scope}; a {@link Scope#DOMAIN} route names the domain it touches through
 * {@link #domain} before it touches it. A refusal is a {@link ForbiddenException} (403). The target
 * named here is what the audit log records.
 */
final class Access {

    /** What a route needs of its caller. */
    enum Scope {
        /** A global administrator (or the bootstrap token). */
        GLOBAL,
        /** An administrator of the domain the route names through {@link #domain}. */
        DOMAIN,
        /** Any authenticated caller (logging out). */
        ANY
    }

    private static final String PRINCIPAL = "yubin.principal";
    private static final String TARGET = "yubin.audit.target";

    private Access() {
    }

    static void authenticated(RoutingContext ctx, Principal principal) {
        ctx.put(PRINCIPAL, Objects.requireNonNull(principal));
    }

    /** The caller; present on every route behind authentication. */
    static Principal principal(RoutingContext ctx) {
        Principal p = ctx.get(PRINCIPAL);
        if (p == null) {
            throw new IllegalStateException("no principal: the route is not behind authentication");
        }
        return p;
    }

    /** The caller when it was authenticated, else null (for the audit log). */
    static Principal principalOrNull(RoutingContext ctx) {
        return ctx.get(PRINCIPAL);
    }

    /** Checked before the route's handler runs. */
    static void require(RoutingContext ctx, Scope scope) {
        if (scope == Scope.GLOBAL && !principal(ctx).global()) {
            throw new ForbiddenException("only a global administrator may " + ctx.request().method() + " "
                    + ctx.currentRoute().getPath());
        }
    }

    /** 403 unless the caller manages {@code domain}; {@code target} is what the request touches. */
    static void domain(RoutingContext ctx, Domain domain, String target) {
        target(ctx, target);
        if (!principal(ctx).mayManage(domain)) {
            throw new ForbiddenException("administrator " + principal(ctx).name() + " does not manage the domain "
                    + domain.ascii());
        }
    }

    static void address(RoutingContext ctx, MailAddress address) {
        domain(ctx, address.domain(), address.toString());
    }

    /**
     * For a listing: {@code requested} (checked) when the request names a domain; else null (every
     * domain) for a global administrator, and the caller's domains are filtered by {@link #visible}.
     */
    static Domain listing(RoutingContext ctx, Domain requested) {
        if (requested != null) {
            domain(ctx, requested, requested.ascii());
        }
        return requested;
    }

    /** Whether a listing shows an entry of {@code domain} to the caller. */
    static boolean visible(RoutingContext ctx, Domain domain) {
        return principal(ctx).mayManage(domain);
    }

    /** What the request touches, for the audit log. */
    static void target(RoutingContext ctx, String target) {
        ctx.put(TARGET, target);
    }

    static String targetOrNull(RoutingContext ctx) {
        return ctx.get(TARGET);
    }
}
