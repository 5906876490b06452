package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yubin.model.Domain;
import io.yubin.store.Accounts;
import io.yubin.store.AdminAccounts;
import io.yubin.store.AdminRecord;
import io.yubin.store.StoreException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Named administrators (docs/admin-api.md, "Administrators"), for global administrators only:
 * {@code GET /api/v1/admins}, {@code GET /api/v1/admins/{name}}, {@code POST /api/v1/admins} (201 with
 * the TOTP secret and otpauth URI, shown this once), {@code DELETE /api/v1/admins/{name}} and
 * {@code DELETE /api/v1/admins/{name}/lock}.
 */
final class AdministratorRoutes {

    private final AdminAccounts admins;
    private final Accounts accounts;

    AdministratorRoutes(AdminAccounts admins, Accounts accounts) {
        this.admins = admins;
        this.accounts = accounts;
    }

    Future<JsonObject> list(RoutingContext ctx) {
        return AccountsRoutes.call(ctx, admins.list()).map(all -> new JsonObject()
                .put("admins", AccountsRoutes.array(all, AdministratorRoutes::adminJson)));
    }

    Future<JsonObject> show(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        return AccountsRoutes.call(ctx, admins.find(name)).map(found -> adminJson(found.orElseThrow(
                () -> StoreException.notFound("name", "no administrator " + name))));
    }

    Future<JsonObject> add(RoutingContext ctx) {
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("name", "role", "domains"), "password");
        return AccountsRoutes.usingSecret(body, b -> {
            String name = b.requiredString("name");
            Access.target(ctx, name);
            AdminRecord.Role role = role(b.requiredString("role"));
            Set<Domain> domains = domains(b);
            return AccountsRoutes.call(ctx, localOnly(domains)
                    .thenCompose(v -> admins.add(name, b.requiredSecret("password"), role, domains)))
                    .map(created -> adminJson(created.admin()).put("secret", created.totpSecret())
                            .put("uri", created.totpUri()));
        });
    }

    Future<JsonObject> remove(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Access.target(ctx, name);
        return AccountsRoutes.call(ctx, admins.remove(name)).mapEmpty();
    }

    /** 204; a global administrator sets anyone's, any administrator its own. Its sessions end. */
    Future<JsonObject> changePassword(RoutingContext ctx) {
        String name = selfOrGlobal(ctx);
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of(), "password");
        return AccountsRoutes.usingSecret(body, b -> AccountsRoutes.call(ctx,
                admins.changePassword(name, b.requiredSecret("password"))).mapEmpty());
    }

    /** 201 with the new secret and otpauth URI, shown once; as for the password, who may and what ends. */
    Future<JsonObject> reenrolTotp(RoutingContext ctx) {
        String name = selfOrGlobal(ctx);
        return AccountsRoutes.call(ctx, admins.reenrolTotp(name)).map(enrolled -> adminJson(enrolled.admin())
                .put("secret", enrolled.totpSecret()).put("uri", enrolled.totpUri()));
    }

    /** 200 with the administrator; global administrators only. Its sessions end. */
    Future<JsonObject> setRole(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Access.target(ctx, name);
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("role", "domains"));
        AdminRecord.Role role = role(body.requiredString("role"));
        Set<Domain> domains = domains(body);
        return AccountsRoutes.call(ctx, localOnly(domains).thenCompose(v -> admins.setRole(name, role, domains)))
                .map(AdministratorRoutes::adminJson);
    }

    /** The administrator the path names, when the caller is it or a global administrator; else 403. */
    private static String selfOrGlobal(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Access.target(ctx, name);
        Principal caller = Access.principal(ctx);
        if (!caller.global() && !caller.name().equals(name)) {
            throw new ForbiddenException("administrator " + caller.name() + " may change only its own credentials");
        }
        return name;
    }

    /** 204 whether or not the administrator was locked, as for users. */
    Future<JsonObject> unlock(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        Access.target(ctx, name);
        return AccountsRoutes.call(ctx, admins.unlock(name)).mapEmpty();
    }

    private static Set<Domain> domains(JsonBody body) {
        Set<Domain> domains = new LinkedHashSet<>();
        for (String d : body.optionalStrings("domains")) {
            domains.add(AccountsRoutes.domain(d, "domains"));
        }
        return domains;
    }

    /** A mistyped domain would give the administrator nothing to manage: each must be local. */
    private CompletionStage<Void> localOnly(Set<Domain> domains) {
        return accounts.domains().thenAccept(local -> {
            for (Domain d : domains) {
                if (!local.contains(d)) {
                    throw StoreException.notFound("domains", "domain " + d.ascii() + " is not a local domain");
                }
            }
        });
    }

    private static AdminRecord.Role role(String text) {
        try {
            return AdminRecord.Role.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("role", "role must be \"global\" or \"domain\"");
        }
    }

    /** Never the password hash or the TOTP secret. */
    private static JsonObject adminJson(AdminRecord admin) {
        JsonArray domains = new JsonArray();
        admin.domains().forEach(d -> domains.add(d.ascii()));
        return new JsonObject()
                .put("name", admin.name())
                .put("role", admin.role().name().toLowerCase(Locale.ROOT))
                .put("domains", domains)
                .put("totp", admin.totp().isPresent())
                .put("createdAt", admin.createdAt().toString());
    }
}
