package io.yubin.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.store.SpoolId;
import java.time.Duration;
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
        Thread offerer = new Thread(() -> {
            try {
                Thread.sleep(200);
                queue.offer(new SpoolId("late"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        offerer.start();

        assertThat(queue.take(Duration.ofSeconds(10))).isEqualTo(new SpoolId("late"));
        offerer.join();
    }

    @Test
    void theQueueIsSharedByInstancesOnTheSameMember() throws Exception {
        try (HazelcastDeliveryQueue other = new HazelcastDeliveryQueue(member.instance())) {
            queue.offer(new SpoolId("shared")).toCompletableFuture().get(5, TimeUnit.SECONDS);

            assertThat(other.take(Duration.ofSeconds(1))).isEqualTo(new SpoolId("shared"));
        }
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
