package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.yubin.model.MailAddress;
import io.yubin.store.MailboxId;
import io.yubin.store.SpoolId;
import io.yubin.testing.backends.FreePorts;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two real members in this JVM, joined over TCP-IP on 127.0.0.1: what crosses between them. */
class TwoMemberClusterTest {

    private static ClusterMember first;
    private static ClusterMember second;

    @BeforeAll
    static void startTwoMembers() throws IOException {
        int firstPort = freePort();
        int secondPort = freePort();
        List<String> members = List.of("127.0.0.1:" + firstPort, "127.0.0.1:" + secondPort);
        String name = "two-members-" + ProcessHandle.current().pid();
        first = ClusterMember.startEmbedded(new ClusterMember.Options(name, "127.0.0.1", firstPort).joining(members));
        second = ClusterMember.startEmbedded(new ClusterMember.Options(name, "127.0.0.1", secondPort).joining(members));
        await().atMost(Duration.ofSeconds(30)).until(() -> first.instance().getCluster().getMembers().size() == 2);
    }

    @AfterAll
    static void stopMembers() {
        second.close();
        first.close();
    }

    private static int freePort() throws IOException {
        return FreePorts.belowEphemeralRange();
    }

    @Test
    void bothMembersSeeTheSameTwoMemberCluster() {
        assertThat(second.instance().getCluster().getMembers()).hasSize(2);
        assertThat(first.instance().getConfig().getNetworkConfig().getJoin().getTcpIpConfig().isEnabled()).isTrue();
    }

    @Test
    void anIdOfferedOnOneMemberIsTakenOnTheOther() throws Exception {
        try (HazelcastDeliveryQueue producer = new HazelcastDeliveryQueue(first.instance());
                HazelcastDeliveryQueue consumer = new HazelcastDeliveryQueue(second.instance())) {
            producer.offer(new SpoolId("cross-1")).toCompletableFuture().get(10, TimeUnit.SECONDS);
            producer.offer(new SpoolId("cross-2")).toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertThat(consumer.take(Duration.ofSeconds(10))).isEqualTo(new SpoolId("cross-1"));
            assertThat(consumer.take(Duration.ofSeconds(10))).isEqualTo(new SpoolId("cross-2"));
            assertThat(producer.size()).isZero();
        }
    }

    @Test
    void anEventPublishedOnOneMemberReachesTheUsersSubscribersOnTheOther() {
        MailAddress alice = MailAddress.parse("alice@example.test");
        MailboxEvent event = new MailboxEvent(alice, new MailboxId("inbox"), MailboxEvent.Kind.EXPUNGED, 5, 11);
        List<MailboxEvent> onSecond = new CopyOnWriteArrayList<>();
        List<MailboxEvent> otherUser = new CopyOnWriteArrayList<>();
        try (HazelcastMailboxEvents publisher = new HazelcastMailboxEvents(first.instance());
                HazelcastMailboxEvents subscriber = new HazelcastMailboxEvents(second.instance())) {
            subscriber.subscribe(alice, onSecond::add);
            subscriber.subscribe(MailAddress.parse("bob@example.test"), otherUser::add);

            publisher.publish(event);

            await().atMost(Duration.ofSeconds(10)).until(() -> onSecond.size() == 1);
            assertThat(onSecond).containsExactly(event);
            assertThat(otherUser).isEmpty();
        }
    }

    @Test
    void aMessageSentThroughOneMemberIsCountedOnBoth() throws Exception {
        try (HazelcastSendingEvents a = new HazelcastSendingEvents(first.instance());
                HazelcastSendingEvents b = new HazelcastSendingEvents(second.instance())) {
            List<SendingEvents.Sent> onA = new CopyOnWriteArrayList<>();
            List<SendingEvents.Sent> onB = new CopyOnWriteArrayList<>();
            a.subscribe(onA::add);
            b.subscribe(onB::add);
            SendingEvents.Sent sent = new SendingEvents.Sent("alice@example.test",
                    java.time.Instant.parse("2026-12-06T08:00:00Z"), 3, "member-a");

            a.publish(sent);

            await().atMost(Duration.ofSeconds(10)).until(() -> onA.size() == 1 && onB.size() == 1);
            assertThat(onB).containsExactly(sent);
            assertThat(onA).containsExactly(sent);
        }
    }

    @Test
    void aSendingEventOfANewerVersionOrNotOneAtAllIsSkipped() {
        byte[] newer = io.yubin.proto.cluster.v1.SentMessage.newBuilder().setVersion(HazelcastSendingEvents.VERSION + 1)
                .setUser("alice@example.test").setRecipients(1).setOrigin("x").build().toByteArray();
        assertThat(HazelcastSendingEvents.decode(newer)).isNull();
        assertThat(HazelcastSendingEvents.decode(new byte[] {(byte) 0xff, 1, 2})).isNull();
        SendingEvents.Sent sent = new SendingEvents.Sent("bob@example.test", java.time.Instant.ofEpochMilli(42), 7, "o");
        assertThat(HazelcastSendingEvents.decode(HazelcastSendingEvents.encode(sent))).isEqualTo(sent);
    }
}
