package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.yubin.model.Envelope;
import io.yubin.store.DeliveryStatus;
import io.yubin.store.RecipientState;
import io.yubin.store.Spool;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * The queue: the unfinished spool entries (docs/outbound.md, "The queue").
 *
 * <ul>
 *   <li>{@code GET /api/v1/queue}: oldest first, with the delivery state of each recipient; pages
 *       with {@code ?after=<last id>&limit=<n>}. The null reverse-path {@code <>} (bounces) shows as
 *       an empty sender.
 *   <li>{@code GET /api/v1/queue/{id}}: one entry with its envelope parameters and client.
 *   <li>{@code POST /api/v1/queue/{id}/retry}: every DEFERRED recipient becomes due now; the spool
 *       sweep offers the entry within its interval.
 *   <li>{@code DELETE /api/v1/queue/{id}}: the entry leaves the spool, undelivered recipients with
 *       it, and no notification is sent (as Postfix's {@code postsuper -d}).
 * </ul>
 * An id that is not in the spool (never was, or every recipient is final and it was removed) is 404.
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

    Future<JsonObject> show(RoutingContext ctx) {
        return Future.fromCompletionStage(find(ctx), ctx.vertx().getOrCreateContext()).map(QueueRoutes::detailJson);
    }

    Future<JsonObject> retry(RoutingContext ctx) {
        Clock clock = Clock.systemUTC();
        CompletionStage<JsonObject> retried = find(ctx).thenCompose(entry -> {
            Instant now = clock.instant();
            List<RecipientState> due = entry.recipients().stream()
                    .filter(r -> r.status() == DeliveryStatus.DEFERRED)
                    .map(r -> r.withNextAttempt(now))
                    .toList();
            CompletionStage<Void> updates = CompletableFuture.completedFuture(null);
            for (RecipientState state : due) {
                updates = updates.thenCompose(v -> spool.update(entry.id(), state.recipient(), state));
            }
            return updates.thenApply(v -> new JsonObject().put("id", entry.id().value())
                    .put("retried", new JsonArray(new ArrayList<>(due.stream().map(r -> r.recipient().toString()).toList()))));
        });
        return Future.fromCompletionStage(retried, ctx.vertx().getOrCreateContext());
    }

    Future<JsonObject> delete(RoutingContext ctx) {
        SpoolId id = id(ctx);
        CompletionStage<JsonObject> removed = spool.remove(id).handle((v, failure) -> {
            if (failure == null) {
                return new JsonObject();
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof StoreException e && e.kind() == StoreException.Kind.NOT_FOUND) {
                throw notInQueue(id);
            }
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
        return Future.fromCompletionStage(removed, ctx.vertx().getOrCreateContext());
    }

    private CompletionStage<SpoolEntry> find(RoutingContext ctx) {
        SpoolId id = id(ctx);
        return spool.find(id).thenApply(found -> found.orElseThrow(() -> notInQueue(id)));
    }

    private static SpoolId id(RoutingContext ctx) {
        String text = ctx.pathParam("id");
        if (text == null || text.isBlank() || text.length() > 200) {
            throw new BadRequestException("id", "a queue id is what `yubin queue list` shows");
        }
        return new SpoolId(text);
    }

    private static StoreException notInQueue(SpoolId id) {
        return StoreException.notFound("id", "no queue entry " + id.value()
                + " (delivered and failed messages leave the queue)");
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

    /** The entry as listed, plus its envelope parameters and where it came from. */
    private static JsonObject detailJson(SpoolEntry entry) {
        JsonObject json = entryJson(entry);
        Envelope envelope = entry.envelope();
        json.put("body", envelope.body().name())
                .put("smtpUtf8", envelope.smtpUtf8())
                .put("ret", envelope.dsnReturn() == null ? null : envelope.dsnReturn().name())
                .put("envId", envelope.envId())
                .put("client", new JsonObject()
                        .put("helo", entry.client().heloName())
                        .put("address", entry.client().address())
                        .put("authenticatedUser", entry.client().authenticatedUser()));
        JsonArray recipients = json.getJsonArray("recipients");
        for (int i = 0; i < recipients.size() && i < envelope.recipients().size()
                && i < entry.recipients().size(); i++) {
            Envelope.Recipient r = envelope.recipients().get(i);
            recipients.getJsonObject(i)
                    .put("delayReported", entry.recipients().get(i).delayReported())
                    .put("notify", new JsonArray(new ArrayList<>(r.notifyOn().stream().map(Enum::name).sorted().toList())))
                    .put("orcpt", r.originalRecipient());
        }
        return json;
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
