package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.collection.IQueue;
import io.yubin.proto.cluster.v1.QueueEntry;
import io.yubin.store.SpoolId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The delivery queue on one real embedded member. */
class HazelcastDeliveryQueueTest {

    private static ClusterMember member;
    private HazelcastDeliveryQueue queue;

    @BeforeAll
    static void startMember() {
        member = ClusterMember.startEmbedded(ClusterMember.Options.embedded("delivery-queue-test", 0));
    }

    @AfterAll
    static void stopMember() {
        member.close();
    }

    @BeforeEach
    void openQueue() {
        member.instance().getQueue(HazelcastDeliveryQueue.QUEUE_NAME).clear();
        queue = new HazelcastDeliveryQueue(member.instance());
    }

    @AfterEach
    void closeQueue() {
        queue.close();
    }

    @Test
    void takesOfferedIdsInOrder() throws Exception {
        queue.offer(new SpoolId("a")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        queue.offer(new SpoolId("b")).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.take(Duration.ofSeconds(1))).isEqualTo(new SpoolId("a"));
        assertThat(queue.take(Duration.ofSeconds(1))).isEqualTo(new SpoolId("b"));
        assertThat(queue.size()).isZero();
    }

    @Test
    void takeReturnsNullWhenNothingCameWithinTheTimeout() throws InterruptedException {
        long start = System.nanoTime();

        assertThat(queue.take(Duration.ofMillis(200))).isNull();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(150).toNanos());
    }

    @Test
    void takeWaitsForAnOfferMadeWhileWaiting() throws Exception {
        CompletableFuture<SpoolId> taken = new CompletableFuture<>();
        Thread taker = new Thread(() -> {
            try {
                taken.complete(queue.take(Duration.ofSeconds(30)));
            } catch (InterruptedException | RuntimeException e) {
                taken.completeExceptionally(e);
            }
        }, "taker");
        taker.start();
        // Offer only once the taker is blocked in take: then the offer is made while it waits.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> taker.getState() == Thread.State.TIMED_WAITING || taker.getState() == Thread.State.WAITING);
        queue.offer(new SpoolId("late"));

        assertThat(taken.get(20, TimeUnit.SECONDS)).isEqualTo(new SpoolId("late"));
        taker.join();
    }

    @Test
    void theQueueIsSharedByInstancesOnTheSameMember() throws Exception {
        try (HazelcastDeliveryQueue other = new HazelcastDeliveryQueue(member.instance())) {
            queue.offer(new SpoolId("shared")).toCompletableFuture().get(5, TimeUnit.SECONDS);

            assertThat(other.take(Duration.ofSeconds(1))).isEqualTo(new SpoolId("shared"));
        }
    }

    @Test
    void anItemThisMemberCannotReadIsSkippedAndTheNextOneTaken() throws Exception {
        IQueue<byte[]> raw = member.instance().getQueue(HazelcastDeliveryQueue.QUEUE_NAME);
        raw.offer(QueueEntry.newBuilder().setVersion(3).setSpoolId("future").setMinReaderVersion(3).build()
                .toByteArray());
        raw.offer("a bare spool id from before protobuf".getBytes(StandardCharsets.UTF_8));
        queue.offer(new SpoolId("readable")).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(queue.queued()).containsExactly(new SpoolId("readable"));
        assertThat(queue.take(Duration.ofSeconds(1))).isEqualTo(new SpoolId("readable"));
        assertThat(queue.size()).isZero();
    }

    @Test
    void itemsAreVersionedProtobufEntries() throws Exception {
        queue.offer(new SpoolId("wire")).toCompletableFuture().get(5, TimeUnit.SECONDS);

        IQueue<byte[]> raw = member.instance().getQueue(HazelcastDeliveryQueue.QUEUE_NAME);
        QueueEntry entry = QueueEntry.parseFrom(raw.peek());
        assertThat(entry.getVersion()).isEqualTo(QueueEntryCodec.VERSION);
        assertThat(entry.getSpoolId()).isEqualTo("wire");
    }

    @Test
    void queuedListsWhatWaitsWithoutTakingIt() throws Exception {
        queue.offer(new SpoolId("one")).toCompletableFuture().get(5, TimeUnit.SECONDS);
        queue.offer(new SpoolId("two")).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(queue.queued()).containsExactlyInAnyOrder(new SpoolId("one"), new SpoolId("two"));
        assertThat(queue.size()).isEqualTo(2);
    }

    @Test
    void offerAfterCloseFailsInsteadOfDroppingTheId() {
        queue.close();

        assertThatThrownBy(() -> queue.offer(new SpoolId("x")).toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasMessageContaining("closed");
        assertThat(member.instance().getQueue(HazelcastDeliveryQueue.QUEUE_NAME)).isEmpty();
    }
}
