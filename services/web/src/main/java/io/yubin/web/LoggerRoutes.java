package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /api/v1/loggers} and {@code PUT /api/v1/loggers/{name}} with {@code {"level": "DEBUG"}}
 * ({@code null} to inherit again): the log levels per module while the server runs (docs/admin-api.md).
 * A change lasts until the process stops; it is made on the member that answers.
 */
final class LoggerRoutes {

    private final LogLevels levels;

    LoggerRoutes(LogLevels levels) {
        this.levels = levels;
    }

    Future<JsonObject> list(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        for (Map.Entry<String, String> e : levels.levels().entrySet()) {
            out.add(new JsonObject().put("name", e.getKey()).put("level", e.getValue()));
        }
        return Future.succeededFuture(new JsonObject().put("loggers", out));
    }

    Future<JsonObject> set(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        String level = JsonBody.parse(ctx.body().buffer(), Set.of("level")).optionalString("level");
        try {
            String effective = levels.setLevel(name, level);
            return Future.succeededFuture(new JsonObject().put("name", name).put("level", effective));
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("level", e.getMessage());
        }
    }
}
