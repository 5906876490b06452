package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code GET /api/v1/queue}: the unfinished spool entries, oldest first, with the delivery state of
 * each recipient. Read-only; pages with {@code ?after=<last id>&limit=<n>}. The null reverse-path
 * {@code <>} (bounces) shows as an empty sender.
 */
final class QueueRoutes {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final Spool spool;

    QueueRoutes(Spool spool) {
        this.spool = spool;
    }

    Future<JsonObject> list(RoutingContext ctx) {
        String afterText = ctx.queryParams().get("after");
        SpoolId after = afterText == null || afterText.isEmpty() ? null : new SpoolId(afterText);
        int limit = limit(ctx.queryParams().get("limit"));
        CompletionStage<List<Optional<SpoolEntry>>> entries = spool.unfinished(after, limit).thenCompose(ids -> {
            List<CompletableFuture<Optional<SpoolEntry>>> finds = new ArrayList<>();
            for (SpoolId id : ids) {
                finds.add(spool.find(id).toCompletableFuture());
            }
            return CompletableFuture.allOf(finds.toArray(CompletableFuture[]::new))
                    .thenApply(v -> finds.stream().map(CompletableFuture::join).toList());
        });
        return Future.fromCompletionStage(entries, ctx.vertx().getOrCreateContext()).map(found -> {
            JsonArray array = new JsonArray();
            // An entry finished between the listing and its read is simply not shown.
            found.stream().flatMap(Optional::stream).forEach(entry -> array.add(entryJson(entry)));
            return new JsonObject().put("entries", array);
        });
    }

    private static int limit(String text) {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        int limit;
        try {
            limit = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            limit = 0;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new BadRequestException("limit", "limit must be a whole number from 1 to " + MAX_LIMIT);
        }
        return limit;
    }

    private static JsonObject entryJson(SpoolEntry entry) {
        JsonArray recipients = new JsonArray();
        for (RecipientState r : entry.recipients()) {
            recipients.add(new JsonObject()
                    .put("address", r.recipient().toString())
                    .put("status", r.status().name())
                    .put("attempts", r.attempts())
                    .put("nextAttempt", r.nextAttempt() == null ? null : r.nextAttempt().toString())
                    .put("lastResult", r.lastResult()));
        }
        return new JsonObject()
                .put("id", entry.id().value())
                .put("sender", entry.envelope().sender() == null ? "" : entry.envelope().sender().toString())
                .put("receivedAt", entry.receivedAt().toString())
                .put("size", entry.blob().size())
                .put("recipients", recipients);
    }
}
