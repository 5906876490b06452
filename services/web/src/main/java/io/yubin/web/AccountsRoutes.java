package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yubin.model.Domain;
import io.yubin.model.MailAddress;
import io.yubin.store.AccountLocks;
import io.yubin.store.Accounts;
import io.yubin.store.Alias;
import io.yubin.store.AliasSource;
import io.yubin.store.AppPassword;
import io.yubin.store.QuotaLimits;
import io.yubin.store.Quotas;
import io.yubin.store.StoreException;
import io.yubin.store.UserRecord;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The {@code /api/v1} handlers: each turns a request into one {@link Accounts} call and its result
 * into JSON. Failures are not answered here; they propagate to {@link ErrorResponse}.
 */
final class AccountsRoutes {

    private final Accounts accounts;

    AccountsRoutes(Accounts accounts) {
        this.accounts = accounts;
    }

    Future<JsonObject> listDomains(RoutingContext ctx) {
        return call(ctx, accounts.domains()).map(domains -> new JsonObject()
                .put("domains", array(domains.stream().filter(d -> Access.visible(ctx, d)).toList(),
                        AccountsRoutes::domainJson)));
    }

    Future<JsonObject> showDomain(RoutingContext ctx) {
        Domain domain = domain(ctx.pathParam("name"), "name");
        Access.domain(ctx, domain, domain.ascii());
        return call(ctx, accounts.isLocalDomain(domain)).map(local -> {
            if (!local) {
                throw StoreException.notFound("name", "domain " + domain.ascii() + " is not local");
            }
            return domainJson(domain);
        });
    }

    Future<JsonObject> addDomain(RoutingContext ctx) {
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("name"));
        Domain domain = domain(body.requiredString("name"), "name");
        Access.target(ctx, domain.ascii());
        return call(ctx, accounts.addDomain(domain)).map(v -> domainJson(domain));
    }

    Future<JsonObject> removeDomain(RoutingContext ctx) {
        Domain domain = domain(ctx.pathParam("name"), "name");
        Access.target(ctx, domain.ascii());
        return call(ctx, accounts.removeDomain(domain)).mapEmpty();
    }

    Future<JsonObject> listUsers(RoutingContext ctx) {
        Domain domain = Access.listing(ctx, optionalDomainQuery(ctx));
        return call(ctx, accounts.users(domain)).map(users -> new JsonObject()
                .put("users", array(users.stream().filter(u -> Access.visible(ctx, u.address().domain())).toList(),
                        AccountsRoutes::userJson)));
    }

    Future<JsonObject> showUser(RoutingContext ctx) {
        MailAddress address = address(ctx.pathParam("address"), "address");
        Access.address(ctx, address);
        return call(ctx, accounts.user(address)).map(user -> userJson(user.orElseThrow(
                () -> StoreException.notFound("address", "no user " + address))));
    }

    Future<JsonObject> addUser(RoutingContext ctx) {
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("address", "quotaBytes", "quotaMessages"),
                "password");
        return usingSecret(body, b -> {
            MailAddress address = address(b.requiredString("address"), "address");
            Access.address(ctx, address);
            QuotaLimits quota = limits(b.optionalLong("quotaBytes", 0), "quotaBytes", b.optionalLong("quotaMessages", 0),
                    "quotaMessages");
            char[] password = b.requiredSecret("password");
            // With the aliases that made the user its domain's postmaster or abuse address.
            return call(ctx, accounts.addUser(address, password, quota)).map(added -> userJson(added.user())
                    .put("roleAliases", new JsonArray(added.roleAliases().stream().map(AliasSource::toString).toList())));
        });
    }

    Future<JsonObject> changePassword(RoutingContext ctx) {
        MailAddress address = address(ctx.pathParam("address"), "address");
        Access.address(ctx, address);
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of(), "password");
        return usingSecret(body, b -> call(ctx, accounts.changePassword(address, b.requiredSecret("password")))
                .mapEmpty());
    }

    Future<JsonObject> removeUser(RoutingContext ctx) {
        MailAddress address = address(ctx.pathParam("address"), "address");
        Access.address(ctx, address);
        // A domain administrator is told of the hand-overs of its own domains only, as it lists aliases.
        return call(ctx, accounts.removeUser(address)).map(handedOver -> new JsonObject()
                .put("roleAliases", array(handedOver.stream().filter(a -> Access.visible(ctx, a.source().domain()))
                        .toList(), AccountsRoutes::aliasJson)));
    }

    Future<JsonObject> userQuota(RoutingContext ctx) {
        MailAddress address = address(ctx.pathParam("address"), "address");
        Access.address(ctx, address);
        return call(ctx, accounts.quotas().own(address)).map(usage -> quotaJson(usage.orElseThrow(
                () -> StoreException.notFound("address", "no user " + address))));
    }

    /** Fields left out keep their value; 0 removes a limit. */
    Future<JsonObject> setUserQuota(RoutingContext ctx) {
        MailAddress address = address(ctx.pathParam("address"), "address");
        Access.address(ctx, address);
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("storageBytes", "messages"));
        return call(ctx, accounts.user(address)).compose(user -> {
            if (user.isEmpty()) {
                throw StoreException.notFound("address", "no user " + address);
            }
            return call(ctx, accounts.setQuota(address, changed(body, user.get().quota())));
        }).compose(v -> userQuota(ctx));
    }

    Future<JsonObject> domainQuota(RoutingContext ctx) {
        Domain domain = domain(ctx.pathParam("name"), "name");
        Access.domain(ctx, domain, domain.ascii());
        return call(ctx, accounts.domainQuota(domain)).map(AccountsRoutes::quotaJson);
    }

    /** Fields left out keep their value; 0 removes a limit. Global administrators only. */
    Future<JsonObject> setDomainQuota(RoutingContext ctx) {
        Domain domain = domain(ctx.pathParam("name"), "name");
        Access.target(ctx, domain.ascii());
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("storageBytes", "messages"));
        return call(ctx, accounts.domainLimits(domain))
                .compose(current -> call(ctx, accounts.setDomainQuota(domain, changed(body, current))))
                .compose(v -> domainQuota(ctx));
    }

    private static QuotaLimits changed(JsonBody body, QuotaLimits current) {
        return limits(body.optionalLong("storageBytes", current.storageBytes()), "storageBytes",
                body.optionalLong("messages", current.messages()), "messages");
    }

    private static QuotaLimits limits(long storageBytes, String storageField, long messages, String messagesField) {
        if (storageBytes < 0) {
            throw new BadRequestException(storageField, "field \"" + storageField + "\" must not be negative");
        }
        if (messages < 0) {
            throw new BadRequestException(messagesField, "field \"" + messagesField + "\" must not be negative");
        }
        return new QuotaLimits(storageBytes, messages);
    }

    private static JsonObject quotaJson(Quotas.Usage usage) {
        return new JsonObject()
                .put("storageBytes", usage.limits().storageBytes())
                .put("messages", usage.limits().messages())
                .put("usedBytes", usage.used().bytes())
                .put("usedMessages", usage.used().messages());
    }

    Future<JsonObject> listAliases(RoutingContext ctx) {
        Domain domain = Access.listing(ctx, optionalDomainQuery(ctx));
        return call(ctx, accounts.aliases(domain)).map(aliases -> new JsonObject()
                .put("aliases", array(aliases.stream().filter(a -> Access.visible(ctx, a.source().domain())).toList(),
                        AccountsRoutes::aliasJson)));
    }

    Future<JsonObject> addAlias(RoutingContext ctx) {
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("source", "target"));
        AliasSource source = aliasSource(body.requiredString("source"));
        Access.domain(ctx, source.domain(), source.toString());
        MailAddress target = address(body.requiredString("target"), "target");
        return call(ctx, accounts.addAlias(source, target)).map(v -> aliasJson(new Alias(source, target)));
    }

    Future<JsonObject> removeAlias(RoutingContext ctx) {
        AliasSource source = aliasSource(ctx.pathParam("source"));
        Access.domain(ctx, source.domain(), source.toString());
        String targetText = ctx.queryParams().get("target");
        MailAddress target = targetText == null ? null : address(targetText, "target");
        return call(ctx, accounts.removeAlias(source, target)).mapEmpty();
    }

    Future<JsonObject> listAppPasswords(RoutingContext ctx) {
        MailAddress user = address(ctx.pathParam("address"), "address");
        Access.address(ctx, user);
        return call(ctx, accounts.appPasswords(user)).map(passwords -> new JsonObject()
                .put("appPasswords", array(passwords, AccountsRoutes::appPasswordJson)));
    }

    Future<JsonObject> addAppPassword(RoutingContext ctx) {
        MailAddress user = address(ctx.pathParam("address"), "address");
        Access.address(ctx, user);
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("label"));
        String label = body.optionalString("label");
        return call(ctx, accounts.addAppPassword(user, label)).map(created -> appPasswordJson(created.password())
                .put("password", created.secret()));
    }

    Future<JsonObject> revokeAppPassword(RoutingContext ctx) {
        MailAddress user = address(ctx.pathParam("address"), "address");
        Access.address(ctx, user);
        return call(ctx, accounts.revokeAppPassword(user, ctx.pathParam("id"))).mapEmpty();
    }

    Future<JsonObject> listLocks(RoutingContext ctx) {
        return call(ctx, accounts.lockout().locks()).map(locks -> new JsonObject()
                .put("locks", array(locks.stream().filter(l -> visibleLock(ctx, l)).toList(),
                        AccountsRoutes::lockJson)));
    }

    /**
     * A domain administrator sees the locks of its domains' users; only a global one sees the others
     * (administrators' locks, {@code admin:NAME}).
     */
    private static boolean visibleLock(RoutingContext ctx, AccountLocks.Lock lock) {
        if (Access.principal(ctx).global()) {
            return true;
        }
        try {
            return Access.visible(ctx, MailAddress.parse(lock.account()).domain());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** 204 whether or not the account was locked: the end state is the same. */
    Future<JsonObject> unlock(RoutingContext ctx) {
        MailAddress user = address(ctx.pathParam("address"), "address");
        Access.address(ctx, user);
        return call(ctx, accounts.unlock(user)).mapEmpty();
    }

    /** 201 with the secret and the otpauth URI: the only time they are shown. */
    Future<JsonObject> enableTotp(RoutingContext ctx) {
        MailAddress user = address(ctx.pathParam("address"), "address");
        Access.address(ctx, user);
        return call(ctx, accounts.enableTotp(user)).map(enrolment -> new JsonObject()
                .put("secret", enrolment.secret()).put("uri", enrolment.uri()));
    }

    Future<JsonObject> disableTotp(RoutingContext ctx) {
        MailAddress user = address(ctx.pathParam("address"), "address");
        Access.address(ctx, user);
        return call(ctx, accounts.disableTotp(user)).mapEmpty();
    }

    Future<JsonObject> verifyTotp(RoutingContext ctx) {
        MailAddress user = address(ctx.pathParam("address"), "address");
        Access.address(ctx, user);
        JsonBody body = JsonBody.parse(ctx.body().buffer(), Set.of("code"));
        String code = body.requiredString("code");
        return call(ctx, accounts.verifyTotp(user, code)).map(valid -> new JsonObject().put("valid", valid));
    }

    /** Runs {@code action} and zeroes the body's secret when it has finished, however it ends. */
    static <T> Future<T> usingSecret(JsonBody body, Function<JsonBody, Future<T>> action) {
        Future<T> result;
        try {
            result = action.apply(body);
        } catch (RuntimeException e) {
            body.wipe();
            return Future.failedFuture(e);
        }
        return result.andThen(ar -> body.wipe());
    }

    /** Back on the request's event loop, whatever thread the store completes on. */
    static <T> Future<T> call(RoutingContext ctx, CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, ctx.vertx().getOrCreateContext());
    }

    private static Domain optionalDomainQuery(RoutingContext ctx) {
        String text = ctx.queryParams().get("domain");
        return text == null ? null : domain(text, "domain");
    }

    /*
     * The parsers signal bad input with AddressException; IllegalArgumentException (its superclass)
     * is caught as well because the IDNA step can raise it directly.
     */
    static Domain domain(String text, String field) {
        try {
            return Domain.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(field, "invalid " + field + ": " + e.getMessage());
        }
    }

    private static MailAddress address(String text, String field) {
        try {
            return MailAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(field, "invalid " + field + ": " + e.getMessage());
        }
    }

    private static AliasSource aliasSource(String text) {
        try {
            return AliasSource.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("source", "invalid source: " + e.getMessage());
        }
    }

    static <T> JsonArray array(List<T> items, Function<T, JsonObject> toJson) {
        JsonArray array = new JsonArray();
        items.forEach(item -> array.add(toJson.apply(item)));
        return array;
    }

    private static JsonObject domainJson(Domain domain) {
        return new JsonObject().put("name", domain.ascii()).put("unicode", domain.unicode());
    }

    /** Never the password hash. */
    private static JsonObject userJson(UserRecord user) {
        return new JsonObject()
                .put("address", user.address().toString())
                .put("quotaBytes", user.quota().storageBytes())
                .put("quotaMessages", user.quota().messages())
                .put("createdAt", user.createdAt().toString())
                .put("twoFactor", user.totp().isPresent());
    }

    private static JsonObject aliasJson(Alias alias) {
        return new JsonObject().put("source", alias.source().toString()).put("target", alias.target().toString());
    }

    private static JsonObject lockJson(AccountLocks.Lock lock) {
        return new JsonObject()
                .put("address", lock.account())
                .put("until", lock.until().toString())
                .put("lockedAt", lock.lockedAt().toString())
                .put("client", lock.client());
    }

    /** Never the secret hash. */
    private static JsonObject appPasswordJson(AppPassword password) {
        return new JsonObject()
                .put("id", password.id())
                .put("label", password.label())
                .put("createdAt", password.createdAt().toString());
    }
}
