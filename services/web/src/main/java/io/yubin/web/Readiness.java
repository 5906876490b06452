package io.yubin.web;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

/** Runs every {@link ReadinessCheck} at once, each bounded by a timeout, and reports each one. */
final class Readiness {

    /** The outcome of one check; {@code error} is null when it is UP. */
    record Result(String name, boolean up, String error) {
    }

    private final Vertx vertx;
    private final List<ReadinessCheck> checks;
    private final Duration timeout;

    Readiness(Vertx vertx, List<ReadinessCheck> checks, Duration timeout) {
        this.vertx = vertx;
        this.checks = List.copyOf(checks);
        this.timeout = timeout;
    }

    /** Never fails: every failure is a DOWN result. */
    Future<List<Result>> run() {
        List<Future<Result>> results = new ArrayList<>();
        for (ReadinessCheck check : checks) {
            results.add(runOne(check));
        }
        return Future.all(results).map(all -> {
            List<Result> list = new ArrayList<>();
            for (Future<Result> f : results) {
                list.add(f.result());
            }
            return list;
        });
    }

    private Future<Result> runOne(ReadinessCheck check) {
        Promise<Result> promise = Promise.promise();
        long timer = vertx.setTimer(timeout.toMillis(), id -> promise.tryComplete(
                new Result(check.name(), false, "no answer within " + timeout.toMillis() + " ms")));
        Future<Void> outcome;
        try {
            outcome = Future.fromCompletionStage(check.check(), vertx.getOrCreateContext());
        } catch (RuntimeException e) {
            outcome = Future.failedFuture(e);
        }
        outcome.onComplete(ar -> {
            vertx.cancelTimer(timer);
            promise.tryComplete(ar.succeeded()
                    ? new Result(check.name(), true, null)
                    : new Result(check.name(), false, describe(ar.cause())));
        });
        return promise.future();
    }

    private static String describe(Throwable t) {
        Throwable cause = t;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
