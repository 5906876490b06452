package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yubin.store.AdminAccounts;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sessions of named administrators (docs/admin-api.md, "Sessions"):
 *
 * <ul>
 *   <li>{@code POST /api/v1/sessions} with {@code {"name", "password", "code"}}: 201 with a bearer token
 *       and when it expires; 401 for anything wrong (name, password, TOTP code, a lock), alike.
 *   <li>{@code DELETE /api/v1/sessions}: ends the session whose token authenticates the request.
 * </ul>
 */
final class SessionRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(SessionRoutes.class);

    private final AdminAccounts admins;

    SessionRoutes(AdminAccounts admins) {
        this.admins = admins;
    }

    Future<JsonObject> login(RoutingContext ctx) {
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("name", "code"), "password");
        return AccountsRoutes.usingSecret(body, b -> {
            String name = b.requiredString("name");
            Access.target(ctx, name);
            String code = b.requiredString("code");
            String client = AdminAudit.client(ctx);
            return AccountsRoutes.call(ctx, admins.login(name, b.requiredSecret("password"), code, client))
                    .map(result -> {
                        if (result instanceof AdminAccounts.LoginResult.Failure f) {
                            LOG.info("refused an admin API session for {} from {}: {}", AdminAudit.printable(name), client,
                                    f.reason());
                            throw new UnauthorizedException();
                        }
                        AdminAccounts.LoginResult.Success s = (AdminAccounts.LoginResult.Success) result;
                        Access.authenticated(ctx, Principal.of(s.admin()));
                        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
                        return new JsonObject().put("token", s.token()).put("name", s.admin().name())
                                .put("role", s.admin().role().name().toLowerCase(Locale.ROOT))
                                .put("expiresAt", s.expiresAt().toString());
                    });
        });
    }

    Future<JsonObject> logout(RoutingContext ctx) {
        Principal principal = Access.principal(ctx);
        Access.target(ctx, principal.name());
        if (principal.name().equals(Principal.BOOTSTRAP_NAME)) {
            throw new BadRequestException(null, "the bootstrap token is not a session");
        }
        String token = BearerToken.presented(ctx.request().getHeader(HttpHeaders.AUTHORIZATION)).orElseThrow();
        return AccountsRoutes.call(ctx, admins.logout(token)).mapEmpty();
    }
}
