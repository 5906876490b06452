package io.yubin.queue;

import io.yubin.model.MailAddress;
import java.util.function.Consumer;

/** Cluster-wide publication of {@link MailboxEvent}s, subscribed to per user. */
public interface MailboxEvents extends AutoCloseable {

    /** Publishes to every member; does not block. */
    void publish(MailboxEvent event);

    /**
     * Calls {@code listener} for each event of {@code user}, on a thread of the implementation
     * (never an event loop: hop to your context). Closing the subscription stops the calls.
     */
    AutoCloseable subscribe(MailAddress user, Consumer<MailboxEvent> listener);

    @Override
    void close();
}
