package io.yubin.web;

import java.util.concurrent.CompletionStage;

/**
 * One dependency the process needs before it should take traffic (the store, the queue). A check
 * is UP when its stage completes normally within the readiness timeout, DOWN otherwise.
 */
public interface ReadinessCheck {

    /** Shown in the {@code /health/ready} body, e.g. {@code store}. */
    String name();

    /** Must not block the calling thread; completes exceptionally (with a reason) when not ready. */
    CompletionStage<Void> check();
}
