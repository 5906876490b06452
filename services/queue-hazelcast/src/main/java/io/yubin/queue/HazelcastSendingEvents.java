package io.yubin.queue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import io.yubin.proto.cluster.v1.SentMessage;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SendingEvents} over a Hazelcast reliable topic carrying {@code yubin.cluster.v1.SentMessage}
 * (proto/src/main/proto/yubin/cluster/v1/sending.proto). Counts are hints that make the limits
 * cluster-wide within moments: a member that joins starts from what is published after it joined,
 * and a listener that falls far behind loses the oldest events rather than stalling senders.
 */
public final class HazelcastSendingEvents implements SendingEvents {

    /** The topic's name; every member must use the same one. */
    public static final String TOPIC_NAME = "yubin.sending-events";

    /** The newest format version this code writes and reads. */
    static final int VERSION = 1;

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastSendingEvents.class);

    private final ITopic<byte[]> topic;
    private final UUID registration;
    private final List<Consumer<Sent>> listeners = new CopyOnWriteArrayList<>();

    public HazelcastSendingEvents(HazelcastInstance hazelcast) {
        this.topic = hazelcast.getReliableTopic(TOPIC_NAME);
        this.registration = topic.addMessageListener(message -> {
            Sent sent = decode(message.getMessageObject());
            if (sent != null) {
                listeners.forEach(listener -> listener.accept(sent));
            }
        });
    }

    static byte[] encode(Sent sent) {
        return SentMessage.newBuilder().setVersion(VERSION).setUser(sent.user())
                .setAcceptedAtMillis(sent.at().toEpochMilli()).setRecipients(sent.recipients())
                .setOrigin(sent.origin()).build().toByteArray();
    }

    /** Null for bytes that are not a message this version reads. */
    static Sent decode(byte[] bytes) {
        try {
            SentMessage message = SentMessage.parseFrom(bytes);
            if (message.getVersion() > VERSION) {
                LOG.info("Skipping a sending event of version {} (this member reads up to {})",
                        message.getVersion(), VERSION);
                return null;
            }
            return new Sent(message.getUser(), Instant.ofEpochMilli(message.getAcceptedAtMillis()),
                    message.getRecipients(), message.getOrigin());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.warn("Skipping a sending event that cannot be read: {}", e.toString());
            return null;
        }
    }

    @Override
    public void publish(Sent sent) {
        try {
            topic.publishAsync(encode(sent)).whenComplete((v, failure) -> {
                if (failure != null) {
                    LOG.warn("Could not publish a sending event for {}: {}", sent.user(), failure.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Could not publish a sending event for {}: {}", sent.user(), e.toString());
        }
    }

    @Override
    public AutoCloseable subscribe(Consumer<Sent> listener) {
        Consumer<Sent> subscription = listener::accept;
        listeners.add(subscription);
        return () -> listeners.remove(subscription);
    }

    @Override
    public void close() {
        listeners.clear();
        try {
            topic.removeMessageListener(registration);
        } catch (RuntimeException e) {
            LOG.debug("Could not remove the sending-events listener: {}", e.toString());
        }
    }
}
