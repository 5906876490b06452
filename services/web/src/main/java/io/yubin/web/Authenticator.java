package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import io.yubin.store.AdminAccounts;
import java.util.Optional;

/**
 * Who a request's bearer token is: the bootstrap token (a global administrator, docs/admin-api.md,
 * "Authentication") or an open session of a named administrator, read from the store so that a session
 * opened on another cluster member works here too.
 */
final class Authenticator {

    private final BearerToken bootstrap;
    private final AdminAccounts admins;

    Authenticator(BearerToken bootstrap, AdminAccounts admins) {
        this.bootstrap = bootstrap;
        this.admins = admins;
    }

    Future<Optional<Principal>> authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (bootstrap.accepts(header)) {
            return Future.succeededFuture(Optional.of(Principal.BOOTSTRAP));
        }
        Optional<String> token = BearerToken.presented(header).filter(t -> t.startsWith(AdminAccounts.TOKEN_PREFIX));
        if (token.isEmpty()) {
            return Future.succeededFuture(Optional.empty());
        }
        return AccountsRoutes.call(ctx, admins.session(token.get()))
                .map(session -> session.map(s -> Principal.of(s.admin())));
    }
}
