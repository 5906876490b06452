package io.yubin.store;

/** Where delivery to one recipient stands. */
public enum DeliveryStatus {
    /** Waiting for a first attempt. */
    QUEUED,
    /** Failed temporarily; tried again at the recipient's nextAttempt. */
    DEFERRED,
    /** Done. */
    DELIVERED,
    /** Failed permanently (a bounce is due or sent). */
    FAILED;

    public boolean isFinal() {
        return this == DELIVERED || this == FAILED;
    }
}
