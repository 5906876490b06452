package io.yubin.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log (docs/operations.md, "Administrators and the audit log"): one line on the logger
 * {@value #LOGGER} for every admin API request that changes something and every session login,
 * after its answer, as the message {@code admin action} with key-value pairs (as the other event logs,
 * docs/operations.md "Logs"): when, who, from where, the method and path, what it touched and the
 * status. Never
 * the request body, which may carry passwords. Each is counted in {@code yubin_admin_actions_total}
 * by outcome: {@code success} (2xx), {@code denied} (401, 403), {@code failed} (anything else).
 */
final class AdminAudit {

    /** The logger operators route apart in logback. */
    static final String LOGGER = "yubin.audit";

    /** Who an unauthenticated request is. */
    static final String ANONYMOUS = "-";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final Clock clock;
    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    AdminAudit(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** Records the request when its answer has been sent, if it is one the audit log covers. */
    void watch(RoutingContext ctx) {
        HttpMethod method = ctx.request().method();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) {
            return;
        }
        String at = clock.instant().toString();
        ctx.addEndHandler(ar -> record(ctx, at));
    }

    private void record(RoutingContext ctx, String at) {
        Principal principal = Access.principalOrNull(ctx);
        String target = Access.targetOrNull(ctx);
        int status = ctx.response().getStatusCode();
        LOG.atInfo()
                .addKeyValue("at", at)
                .addKeyValue("who", principal != null ? principal.name() : ANONYMOUS)
                .addKeyValue("client", client(ctx))
                .addKeyValue("method", ctx.request().method().name())
                .addKeyValue("path", printable(ctx.request().path()))
                .addKeyValue("target", target == null ? ANONYMOUS : printable(target))
                .addKeyValue("status", status)
                .log("admin action");
        String outcome = status >= 200 && status < 300 ? "success"
                : status == 401 || status == 403 ? "denied" : "failed";
        counters.computeIfAbsent(outcome, o -> Counter.builder("yubin.admin.actions")
                .description("Admin API requests that change something, and session logins, by outcome")
                .tag("outcome", o)
                .register(registry)).increment();
    }

    static String client(RoutingContext ctx) {
        SocketAddress client = ctx.request().remoteAddress();
        return client == null || client.hostAddress() == null ? "unknown" : client.hostAddress();
    }

    /** At most 320 code points, control characters replaced, so one request stays one line. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(320).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return out.toString();
    }
}
