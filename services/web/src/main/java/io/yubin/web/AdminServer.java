package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.yubin.model.Domain;
import io.yubin.store.AdminAccounts;
import io.yubin.store.Accounts;
import io.yubin.web.Access.Scope;
import io.yubin.store.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server: {@code /health/live}, {@code /health/ready} and {@code /metrics} without
 * authentication (for Kubernetes probes and Prometheus), and the account and queue API under
 * {@code /api/v1/} behind a client IP check and a bearer token: the bootstrap token or a named
 * administrator's session, whose role {@link Access} checks on every route; every change is written
 * to the audit log ({@link AdminAudit}). Every answer is JSON except {@code /metrics}; every failure is answered by
 * {@link ErrorResponse}.
 */
public final class AdminServer {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);

    /** Largest accepted request body; larger ones get 413. */
    public static final int MAX_BODY_BYTES = 64 * 1024;

    /** How long {@code /health/ready} waits for each check. */
    public static final Duration READINESS_TIMEOUT = Duration.ofSeconds(2);

    private static final String JSON = "application/json; charset=utf-8";

    /**
     * @param host the address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1}
     * @param port the port; 0 picks a free one (see {@link #actualPort()})
     * @param token the bearer token for {@code /api/v1/}; at least 16 characters
     * @param clientAllowed whether a client address (an IP literal) may use {@code /api/v1/}; any
     *     other gets 403 before its token is looked at. {@code /health/*} and {@code /metrics} are
     *     not covered: probes and scrapers come from addresses of their own.
     */
    public record Options(String host, int port, String token, Predicate<String> clientAllowed, Duration idleTimeout) {

        /**
         * A connection idle this long is closed (Vert.x's default is never): more than a scrape or
         * probe interval, so Prometheus and the kubelet keep theirs.
         */
        public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);

        public Options {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(clientAllowed, "clientAllowed");
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idle timeout must be positive");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535");
            }
            if (token == null || token.strip().length() < 16) {
                throw new IllegalArgumentException("the admin API token must be at least 16 characters");
            }
        }

        public Options(String host, int port, String token, Predicate<String> clientAllowed) {
            this(host, port, token, clientAllowed, IDLE_TIMEOUT);
        }

        /** Every client address may use the API. */
        public Options(String host, int port, String token) {
            this(host, port, token, address -> true);
        }

        /** Never print the token. */
        @Override
        public String toString() {
            return "Options[host=" + host + ", port=" + port + "]";
        }
    }

    private final HttpServer server;

    private AdminServer(HttpServer server) {
        this.server = server;
    }

    /**
     * @param admins the named administrators, who open sessions (docs/admin-api.md, "Sessions")
     * @param spool the spool whose unfinished entries {@code GET /api/v1/queue} lists
     */
    public static Future<AdminServer> start(Vertx vertx, Options options, Accounts accounts, AdminAccounts admins,
            Spool spool, List<ReadinessCheck> checks, Metrics metrics) {
        return start(vertx, options, accounts, admins, spool, checks, metrics, LogLevels.NONE);
    }

    /** As the other, with the loggers' levels that {@code /api/v1/loggers} reads and changes. */
    public static Future<AdminServer> start(Vertx vertx, Options options, Accounts accounts, AdminAccounts admins,
            Spool spool, List<ReadinessCheck> checks, Metrics metrics, LogLevels logLevels) {
        Router router = router(vertx, options, accounts, admins, spool,
                new Readiness(vertx, checks, READINESS_TIMEOUT), metrics, logLevels);
        return vertx.executeBlocking(AdminServer::warmUp, false)
                .compose(v -> vertx.createHttpServer(
                                new HttpServerOptions().setHost(options.host()).setPort(options.port())
                                        .setIdleTimeout((int) options.idleTimeout().toMillis())
                                        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS))
                        .requestHandler(router)
                        .listen())
                .map(AdminServer::new);
    }

    /**
     * The first use of Jackson, the IDNA tables and locale data loads and initializes classes for
     * a few hundred milliseconds; doing it here, on a worker, keeps that off the first request's
     * event loop.
     */
    private static Void warmUp() {
        JsonBody.parse(Buffer.buffer("{\"name\":\"example.test\",\"n\":1}"), Set.of("name", "n"), null);
        new JsonObject().put("domain", Domain.parse("bücher.example").unicode())
                .put("createdAt", Instant.now().toString())
                .put("list", new JsonArray().add(new JsonObject()))
                .toBuffer();
        return null;
    }

    /** The bound port, also when {@link Options#port()} was 0. */
    public int actualPort() {
        return server.actualPort();
    }

    /** Stops accepting connections and closes open ones. */
    public Future<Void> close() {
        return server.close();
    }

    private static Router router(Vertx vertx, Options options, Accounts accounts, AdminAccounts admins, Spool spool,
            Readiness readiness, Metrics metrics, LogLevels logLevels) {
        Router router = Router.router(vertx);
        router.get("/health/live").handler(ctx -> sendJson(ctx, 200, new JsonObject().put("status", "UP")));
        router.get("/health/ready").handler(ctx -> ready(ctx, readiness));
        router.get("/metrics").handler(ctx -> scrape(ctx, vertx, metrics));

        // Each API route carries its own body, audit and auth handlers (Vert.x Web requires the body
        // handler first), so its metrics route label is just its template: a separate /api/v1/* route
        // would be chained into every label.
        Authenticator authenticator = new Authenticator(new BearerToken(options.token()), admins);
        AdminAudit audit = new AdminAudit(metrics.registry(), Clock.systemUTC());
        Handler<RoutingContext> body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
        Handler<RoutingContext> watch = ctx -> {
            audit.watch(ctx);
            ctx.next();
        };
        Handler<RoutingContext> allowed = ctx -> {
            if (clientAllowed(ctx, options)) {
                ctx.next();
            } else {
                ctx.fail(403);
            }
        };

        Api routes = (method, path, status, scope, handler) -> router.route(method, path).handler(body).handler(watch)
                .handler(allowed).handler(auth(authenticator, scope)).handler(apiHandler(status, handler));
        AccountsRoutes api = new AccountsRoutes(accounts);
        routes.add(HttpMethod.GET, "/api/v1/domains", 200, Scope.DOMAIN, api::listDomains);
        routes.add(HttpMethod.POST, "/api/v1/domains", 201, Scope.GLOBAL, api::addDomain);
        routes.add(HttpMethod.GET, "/api/v1/domains/:name", 200, Scope.DOMAIN, api::showDomain);
        routes.add(HttpMethod.DELETE, "/api/v1/domains/:name", 204, Scope.GLOBAL, api::removeDomain);
        routes.add(HttpMethod.GET, "/api/v1/domains/:name/quota", 200, Scope.DOMAIN, api::domainQuota);
        routes.add(HttpMethod.PUT, "/api/v1/domains/:name/quota", 200, Scope.GLOBAL, api::setDomainQuota);
        routes.add(HttpMethod.GET, "/api/v1/users", 200, Scope.DOMAIN, api::listUsers);
        routes.add(HttpMethod.POST, "/api/v1/users", 201, Scope.DOMAIN, api::addUser);
        routes.add(HttpMethod.PUT, "/api/v1/users/:address/password", 204, Scope.DOMAIN, api::changePassword);
        routes.add(HttpMethod.GET, "/api/v1/users/:address", 200, Scope.DOMAIN, api::showUser);
        routes.add(HttpMethod.DELETE, "/api/v1/users/:address", 200, Scope.DOMAIN, api::removeUser);
        routes.add(HttpMethod.GET, "/api/v1/users/:address/quota", 200, Scope.DOMAIN, api::userQuota);
        routes.add(HttpMethod.PUT, "/api/v1/users/:address/quota", 200, Scope.DOMAIN, api::setUserQuota);
        routes.add(HttpMethod.GET, "/api/v1/users/:address/app-passwords", 200, Scope.DOMAIN, api::listAppPasswords);
        routes.add(HttpMethod.POST, "/api/v1/users/:address/app-passwords", 201, Scope.DOMAIN, api::addAppPassword);
        routes.add(HttpMethod.DELETE, "/api/v1/users/:address/app-passwords/:id", 204, Scope.DOMAIN,
                api::revokeAppPassword);
        routes.add(HttpMethod.DELETE, "/api/v1/users/:address/lock", 204, Scope.DOMAIN, api::unlock);
        routes.add(HttpMethod.GET, "/api/v1/locks", 200, Scope.DOMAIN, api::listLocks);
        routes.add(HttpMethod.POST, "/api/v1/users/:address/totp", 201, Scope.DOMAIN, api::enableTotp);
        routes.add(HttpMethod.DELETE, "/api/v1/users/:address/totp", 204, Scope.DOMAIN, api::disableTotp);
        routes.add(HttpMethod.POST, "/api/v1/users/:address/totp/verify", 200, Scope.DOMAIN, api::verifyTotp);
        routes.add(HttpMethod.GET, "/api/v1/aliases", 200, Scope.DOMAIN, api::listAliases);
        routes.add(HttpMethod.POST, "/api/v1/aliases", 201, Scope.DOMAIN, api::addAlias);
        routes.add(HttpMethod.DELETE, "/api/v1/aliases/:source", 204, Scope.DOMAIN, api::removeAlias);
        QueueRoutes queue = new QueueRoutes(spool);
        routes.add(HttpMethod.GET, "/api/v1/queue", 200, Scope.GLOBAL, queue::list);
        routes.add(HttpMethod.GET, "/api/v1/queue/:id", 200, Scope.GLOBAL, queue::show);
        routes.add(HttpMethod.POST, "/api/v1/queue/:id/retry", 200, Scope.GLOBAL, queue::retry);
        routes.add(HttpMethod.DELETE, "/api/v1/queue/:id", 204, Scope.GLOBAL, queue::delete);
        AdministratorRoutes administrators = new AdministratorRoutes(admins, accounts);
        routes.add(HttpMethod.GET, "/api/v1/admins", 200, Scope.GLOBAL, administrators::list);
        routes.add(HttpMethod.POST, "/api/v1/admins", 201, Scope.GLOBAL, administrators::add);
        routes.add(HttpMethod.GET, "/api/v1/admins/:name", 200, Scope.GLOBAL, administrators::show);
        routes.add(HttpMethod.DELETE, "/api/v1/admins/:name", 204, Scope.GLOBAL, administrators::remove);
        routes.add(HttpMethod.DELETE, "/api/v1/admins/:name/lock", 204, Scope.GLOBAL, administrators::unlock);
        routes.add(HttpMethod.PUT, "/api/v1/admins/:name/password", 204, Scope.ANY, administrators::changePassword);
        routes.add(HttpMethod.POST, "/api/v1/admins/:name/totp", 201, Scope.ANY, administrators::reenrolTotp);
        routes.add(HttpMethod.PUT, "/api/v1/admins/:name/role", 200, Scope.GLOBAL, administrators::setRole);
        SessionRoutes sessions = new SessionRoutes(admins);
        routes.add(HttpMethod.DELETE, "/api/v1/sessions", 204, Scope.ANY, sessions::logout);
        LoggerRoutes loggers = new LoggerRoutes(logLevels);
        routes.add(HttpMethod.GET, "/api/v1/loggers", 200, Scope.GLOBAL, loggers::list);
        routes.add(HttpMethod.PUT, "/api/v1/loggers/:name", 200, Scope.GLOBAL, loggers::set);
        // Opening a session is the one API call without a token.
        router.route(HttpMethod.POST, "/api/v1/sessions").handler(body).handler(watch).handler(allowed)
                .handler(apiHandler(201, sessions::login));

        router.route().failureHandler(AdminServer::fail);
        // No route matched: under /api/v1/ an unauthenticated client learns nothing about which
        // paths exist, so it gets 401 before 404 or 405.
        Handler<RoutingContext> unmatched = ctx -> {
            if (!ctx.normalizedPath().startsWith("/api/v1/")) {
                fail(ctx);
            } else if (!clientAllowed(ctx, options)) {
                send(ctx, ErrorResponse.ofStatus(403));
            } else {
                authenticator.authenticate(ctx).onComplete(ar -> {
                    if (ar.succeeded() && ar.result().isEmpty()) {
                        send(ctx, ErrorResponse.ofStatus(401));
                    } else {
                        fail(ctx);
                    }
                });
            }
        };
        router.errorHandler(404, unmatched);
        router.errorHandler(405, unmatched);
        return router;
    }

    /** Authenticates the request, then checks {@code scope} ({@link Access}); 401 or 403 otherwise. */
    private static Handler<RoutingContext> auth(Authenticator authenticator, Scope scope) {
        return ctx -> authenticator.authenticate(ctx).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else if (ar.result().isEmpty()) {
                ctx.fail(401);
            } else {
                Access.authenticated(ctx, ar.result().get());
                ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
                try {
                    Access.require(ctx, scope);
                } catch (ForbiddenException e) {
                    ctx.fail(e);
                    return;
                }
                ctx.next();
            }
        });
    }

    private static boolean clientAllowed(RoutingContext ctx, Options options) {
        SocketAddress client = ctx.request().remoteAddress();
        String address = client == null || client.hostAddress() == null ? "unknown" : client.hostAddress();
        if (options.clientAllowed().test(address)) {
            return true;
        }
        LOG.info("refusing an admin API request from {}: not allowed by the admin IP policy", address);
        return false;
    }

    private interface Api {
        void add(HttpMethod method, String path, int status, Scope scope,
                Function<RoutingContext, Future<JsonObject>> handler);
    }

    /** Answers with {@code status} and the handler's JSON, or hands the failure to {@link #fail}. */
    private static Handler<RoutingContext> apiHandler(int status, Function<RoutingContext, Future<JsonObject>> handler) {
        return ctx -> {
            Future<JsonObject> result;
            try {
                result = handler.apply(ctx);
            } catch (RuntimeException e) {
                result = Future.failedFuture(e);
            }
            result.onComplete(ar -> {
                if (ar.failed()) {
                    ctx.fail(ar.cause());
                } else if (status == 204) {
                    ctx.response().setStatusCode(204).end();
                } else {
                    sendJson(ctx, status, ar.result());
                }
            });
        };
    }

    private static void ready(RoutingContext ctx, Readiness readiness) {
        readiness.run().onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            boolean allUp = ar.result().stream().allMatch(Readiness.Result::up);
            JsonArray checks = new JsonArray();
            for (Readiness.Result r : ar.result()) {
                JsonObject check = new JsonObject().put("name", r.name()).put("status", r.up() ? "UP" : "DOWN");
                if (r.error() != null) {
                    check.put("error", r.error());
                }
                checks.add(check);
            }
            sendJson(ctx, allUp ? 200 : 503,
                    new JsonObject().put("status", allUp ? "UP" : "DOWN").put("checks", checks));
        });
    }

    /** Scraping walks every meter; it runs on a worker so a large registry cannot stall the loop. */
    private static void scrape(RoutingContext ctx, Vertx vertx, Metrics metrics) {
        vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, Metrics.CONTENT_TYPE).end(ar.result());
            }
        });
    }

    /** The one place failures become responses. */
    private static void fail(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        send(ctx, ctx.failure() != null ? ErrorResponse.of(ctx.failure()) : ErrorResponse.ofStatus(ctx.statusCode()));
    }

    private static void send(RoutingContext ctx, ErrorResponse error) {
        if (error.status() == 401) {
            // RFC 6750 §3: a 401 names the scheme the client should use.
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"yubin\"");
        }
        JsonObject body = new JsonObject().put("error", error.error());
        if (error.field() != null) {
            body.put("field", error.field());
        }
        sendJson(ctx, error.status(), body);
    }

    private static void sendJson(RoutingContext ctx, int status, JsonObject body) {
        HttpServerResponse response = ctx.response();
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.toBuffer());
    }
}
