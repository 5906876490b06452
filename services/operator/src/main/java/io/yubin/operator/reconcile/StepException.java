package io.yubin.operator.reconcile;

/**
 * One reconcile step failed: its condition becomes False with {@code reason} and the message.
 * {@code retry}: whether trying again later can help without a change to the resource (a Secret
 * or Service that may appear, a server that may come back), so the controller backs off and retries.
 */
final class StepException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;
    private final boolean retry;

    StepException(String reason, String message, boolean retry) {
        super(message);
        this.reason = reason;
        this.retry = retry;
    }

    String reason() {
        return reason;
    }

    boolean retry() {
        return retry;
    }
}
