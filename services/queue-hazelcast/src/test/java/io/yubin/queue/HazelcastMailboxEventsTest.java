package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.store.MailboxId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Mailbox events on one real embedded member. */
class HazelcastMailboxEventsTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final MailAddress BOB = MailAddress.parse("bob@example.test");

    private static ClusterMember member;
    private HazelcastMailboxEvents events;

    @BeforeAll
    static void startMember() {
        member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("mailbox-events-test", 0));
    }

    @AfterAll
    static void stopMember() {
        member.close();
    }

    @BeforeEach
    void open() {
        events = new HazelcastMailboxEvents(member.instance());
    }

    @AfterEach
    void close() {
        events.close();
    }

    private static MailboxEvent appended(MailAddress user, long uid) {
        return new MailboxEvent(user, new MailboxId("inbox-" + user.localPart()), MailboxEvent.Kind.APPENDED, uid, uid);
    }

    @Test
    void deliversOnlyTheSubscribedUsersEventsInOrder() throws Exception {
        List<MailboxEvent> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable s = events.subscribe(MailAddress.parse("ALICE@example.test"), seen::add)) {
            events.publish(appended(ALICE, 1));
            events.publish(appended(BOB, 2));
            events.publish(appended(ALICE, 3));

            await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
            assertThat(seen).containsExactly(appended(ALICE, 1), appended(ALICE, 3));
        }
    }

    @Test
    void listenersRunOnAnImplementationThreadNotThePublisher() {
        List<String> threads = new CopyOnWriteArrayList<>();
        events.subscribe(ALICE, e -> threads.add(Thread.currentThread().getName()));

        events.publish(appended(ALICE, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> threads.size() == 1);
        assertThat(threads.get(0)).isNotEqualTo(Thread.currentThread().getName());
    }

    @Test
    void closingASubscriptionStopsItsCallsButNotOthers() throws Exception {
        List<MailboxEvent> first = new CopyOnWriteArrayList<>();
        List<MailboxEvent> second = new CopyOnWriteArrayList<>();
        AutoCloseable s1 = events.subscribe(ALICE, first::add);
        events.subscribe(ALICE, second::add);
        assertThat(events.subscriberCount()).isEqualTo(2);

        s1.close();
        events.publish(appended(ALICE, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> second.size() == 1);
        assertThat(first).isEmpty();
        assertThat(events.subscriberCount()).isEqualTo(1);
    }

    @Test
    void aFailingListenerDoesNotStopTheOthersOrLaterEvents() {
        List<MailboxEvent> seen = new CopyOnWriteArrayList<>();
        events.subscribe(ALICE, e -> {
            throw new IllegalStateException("listener bug");
        });
        events.subscribe(ALICE, seen::add);

        events.publish(appended(ALICE, 1));
        events.publish(appended(ALICE, 2));

        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
    }

    @Test
    void skipsAnEventOfAFutureVersionAndKeepsListening() {
        List<MailboxEvent> seen = new CopyOnWriteArrayList<>();
        events.subscribe(ALICE, seen::add);
        byte[] future = io.yubin.proto.cluster.v1.MailboxEvent.newBuilder()
                .setVersion(MailboxEventCodec.VERSION + 1).setUser(ALICE.canonical()).setMailboxId("m")
                .setKind(io.yubin.proto.cluster.v1.MailboxEvent.Kind.APPENDED).setUid(99).build().toByteArray();

        member.instance().<byte[]>getReliableTopic(HazelcastMailboxEvents.TOPIC_NAME).publish(future);
        events.publish(appended(ALICE, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
        assertThat(seen).containsExactly(appended(ALICE, 1));
        assertThat(events.skippedEvents()).isEqualTo(1);
    }
}
