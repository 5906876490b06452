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

    /**
     * Calls {@code listener} with every event this member publishes, of any user, once, on the
     * publishing thread (it must return at once: hop to your own executor). Work that must be done once
     * in the cluster per event, such as training the spam filter on a move into Junk, listens here, not
     * to the cluster-wide delivery that every member gets.
     */
    AutoCloseable onPublished(Consumer<MailboxEvent> listener);

    /**
     * Calls {@code listener} when this member may have missed events: it (re)joined the cluster,
     * another member joined or left (one that dies may take unpublished events with it), or the
     * transport dropped some. Events are hints (docs/architecture.md §1); a listener re-reads the store
     * rather than trust them. Same threading as {@link #subscribe}. This default never calls: a single
     * process misses nothing.
     */
    default AutoCloseable onMissedEvents(Runnable listener) {
        return () -> { };
    }

    @Override
    void close();
}
