package io.yubin.queue;

import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Cluster-wide publication of the messages users send, so that each member's sending limits count
 * what the user sent through every member (docs/outbound.md, "Sending limits").
 */
public interface SendingEvents extends AutoCloseable {

    /**
     * One accepted message.
     *
     * @param user the sender's canonical address, lower case
     * @param at when it was accepted
     * @param recipients how many recipients it had
     * @param origin who published it (and counted it already)
     */
    record Sent(String user, Instant at, int recipients, String origin) {
        public Sent {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(origin, "origin");
        }
    }

    /** Publishes to every member, this one included; does not block. */
    void publish(Sent sent);

    /** Calls {@code listener} for every message published, on a thread of the implementation. */
    AutoCloseable subscribe(Consumer<Sent> listener);

    @Override
    void close();
}
