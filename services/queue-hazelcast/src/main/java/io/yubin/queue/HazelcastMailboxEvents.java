package io.yubin.queue;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import com.hazelcast.topic.ReliableMessageListener;
import io.yubin.model.MailAddress;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MailboxEvents} over a Hazelcast reliable topic carrying the protobuf bytes of
 * {@code yubin.cluster.v1.MailboxEvent}. Each instance registers one topic listener and hands each
 * event to the local subscribers of its user, in publication order, on Hazelcast's listener thread.
 * Events are hints for sessions that re-read the store (IDLE, NOOP): a listener that falls too far
 * behind loses the oldest ones rather than stalling publishers. Whenever events may have been missed
 * (a member joined or left, this one merged back after a split, the listener fell behind), the
 * {@link #onMissedEvents} listeners are told, so sessions re-read the store instead of waiting.
 */
public final class HazelcastMailboxEvents implements MailboxEvents {

    /** The topic's name; every member must use the same one. */
    public static final String TOPIC_NAME = "yubin.mailbox-events";

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastMailboxEvents.class);

    private final HazelcastInstance hazelcast;
    private final ITopic<byte[]> topic;
    private final UUID registration;
    /** Listeners by the canonical address of the user they follow. */
    private final Map<String, List<Consumer<MailboxEvent>>> subscribers = new ConcurrentHashMap<>();
    private final AtomicLong skipped = new AtomicLong();
    private final List<Runnable> missedListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<MailboxEvent>> publishedListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong missedSignals = new AtomicLong();
    private final UUID membershipRegistration;
    private final UUID lifecycleRegistration;
    private volatile boolean closed;

    public HazelcastMailboxEvents(HazelcastInstance hazelcast) {
        this.hazelcast = hazelcast;
        this.topic = hazelcast.getReliableTopic(TOPIC_NAME);
        this.registration = topic.addMessageListener(new Listener());
        this.membershipRegistration = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                missed("member " + event.getMember().getAddress() + " joined");
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                missed("member " + event.getMember().getAddress() + " left");
            }
        });
        // MERGED: this member was cut off (split brain) and joined the cluster again.
        this.lifecycleRegistration = hazelcast.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                missed("this member rejoined the cluster");
            }
        });
    }

    @Override
    public AutoCloseable onMissedEvents(Runnable listener) {
        Runnable subscription = listener::run;
        missedListeners.add(subscription);
        return () -> missedListeners.remove(subscription);
    }

    /** Times this member told its listeners it may have missed events (for tests and metrics). */
    long missedSignals() {
        return missedSignals.get();
    }

    private void missed(String why) {
        if (closed) {
            return;
        }
        missedSignals.incrementAndGet();
        LOG.debug("Mailbox events may have been missed ({}): {} listeners re-read the store", why,
                missedListeners.size());
        for (Runnable listener : missedListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                LOG.warn("A missed-events listener failed", e);
            }
        }
    }

    @Override
    public AutoCloseable onPublished(Consumer<MailboxEvent> listener) {
        Consumer<MailboxEvent> subscription = listener::accept;
        publishedListeners.add(subscription);
        return () -> publishedListeners.remove(subscription);
    }

    @Override
    public void publish(MailboxEvent event) {
        for (Consumer<MailboxEvent> listener : publishedListeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("A listener of published mailbox events failed", e);
            }
        }
        byte[] bytes = MailboxEventCodec.encode(event);
        try {
            topic.publishAsync(bytes).whenComplete((v, failure) -> {
                if (failure != null) {
                    LOG.warn("Could not publish a mailbox event for {}: {}", event.user(), failure.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Could not publish a mailbox event for {}: {}", event.user(), e.toString());
        }
    }

    @Override
    public AutoCloseable subscribe(MailAddress user, Consumer<MailboxEvent> listener) {
        if (closed) {
            throw new IllegalStateException("mailbox events are closed");
        }
        String key = user.canonical();
        // A fresh wrapper per call, so the same listener subscribed twice is removed once per close.
        Consumer<MailboxEvent> subscription = listener::accept;
        subscribers.compute(key, (k, list) -> {
            List<Consumer<MailboxEvent>> listeners = list == null ? new CopyOnWriteArrayList<>() : list;
            listeners.add(subscription);
            return listeners;
        });
        return () -> subscribers.computeIfPresent(key, (k, list) -> {
            list.remove(subscription);
            return list.isEmpty() ? null : list;
        });
    }

    /** Subscribers on this member, across users (for metrics and tests). */
    public int subscriberCount() {
        return subscribers.values().stream().mapToInt(List::size).sum();
    }

    /** Events skipped as unreadable since start. */
    long skippedEvents() {
        return skipped.get();
    }

    @Override
    public void close() {
        closed = true;
        subscribers.clear();
        missedListeners.clear();
        publishedListeners.clear();
        if (hazelcast.getLifecycleService().isRunning()) {
            topic.removeMessageListener(registration);
            hazelcast.getCluster().removeMembershipListener(membershipRegistration);
            hazelcast.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
        }
    }

    private void dispatch(byte[] bytes) {
        try {
            io.yubin.proto.cluster.v1.MailboxEvent wire = MailboxEventCodec.read(bytes);
            List<Consumer<MailboxEvent>> listeners = subscribers.get(wire.getUser());
            if (listeners == null) {
                return;
            }
            MailboxEvent event = MailboxEventCodec.toEvent(wire);
            for (Consumer<MailboxEvent> listener : listeners) {
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    LOG.warn("A mailbox event listener for {} failed", event.user(), e);
                }
            }
        } catch (MailboxEventCodec.UnreadableEventException e) {
            long n = skipped.incrementAndGet();
            // Every skip in a rolling upgrade would flood the log: the 1st, 10th, 100th, ... are enough.
            if (Long.toString(n).matches("10*")) {
                LOG.warn("Skipped a mailbox event ({} skipped so far): {}", n, e.getMessage());
            }
        }
    }

    /** From the next event on; never gives up, and tolerates losing events it was too slow for. */
    private final class Listener implements ReliableMessageListener<byte[]> {

        @Override
        public void onMessage(Message<byte[]> message) {
            if (!closed) {
                dispatch(message.getMessageObject());
            }
        }

        @Override
        public long retrieveInitialSequence() {
            return -1;
        }

        /** The sequence of the last event read, to notice the ones lost in between (-1: none yet). */
        private long last = -1;

        @Override
        public void storeSequence(long sequence) {
            // The position is not kept: a member that restarts starts from the newest event. A jump
            // means this listener fell behind and the ring buffer dropped what it had not read.
            if (last >= 0 && sequence > last + 1) {
                missed((sequence - last - 1) + " events dropped before this member read them");
            }
            last = sequence;
        }

        @Override
        public boolean isLossTolerant() {
            return true;
        }

        @Override
        public boolean isTerminal(Throwable failure) {
            return false;
        }
    }
}
