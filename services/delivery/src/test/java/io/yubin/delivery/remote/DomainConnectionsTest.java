package io.yubin.delivery.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DomainConnectionsTest {

    @Test
    void aSessionBeyondTheLimitStartsWhenOneOfTheDomainsEndsAndOtherDomainsAreNotHeldUp() throws Exception {
        DomainConnections connections = new DomainConnections(1, Duration.ofMinutes(5));
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();

        CompletionStage<String> a = connections.run("one.test", () -> {
            started.incrementAndGet();
            return first;
        }, () -> "busy");
        CompletionStage<String> b = connections.run("one.test", () -> {
            started.incrementAndGet();
            return second;
        }, () -> "busy");
        CompletionStage<String> other = connections.run("two.test", () -> CompletableFuture.completedFuture("other"),
                () -> "busy");

        assertThat(other.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("other");
        assertThat(started).hasValue(1);
        assertThat(connections.active("one.test")).isEqualTo(1);
        first.complete("a");
        assertThat(a.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("a");
        assertThat(started).hasValue(2);
        assertThat(connections.active("one.test")).isEqualTo(1);
        second.complete("b");
        assertThat(b.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("b");
        assertThat(connections.active("one.test")).isZero();
    }

    @Test
    void aSessionThatWaitedTooLongIsBusyAndItsTurnIsNotLost() throws Exception {
        DomainConnections connections = new DomainConnections(1, Duration.ofMillis(200));
        CompletableFuture<String> holding = new CompletableFuture<>();
        connections.run("one.test", () -> holding, () -> "busy");

        CompletionStage<String> late = connections.run("one.test", () -> CompletableFuture.completedFuture("ran"),
                () -> "busy");

        assertThat(late.toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("busy");
        holding.complete("done");
        assertThat(connections.active("one.test")).isZero();
        assertThat(connections.run("one.test", () -> CompletableFuture.completedFuture("next"), () -> "busy")
                .toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("next");
    }

    @Test
    void aFailedSessionFreesItsSlot() throws Exception {
        DomainConnections connections = new DomainConnections(1, Duration.ofMinutes(1));

        CompletionStage<String> failed = connections.run("one.test",
                () -> CompletableFuture.failedFuture(new IllegalStateException("lost")), () -> "busy");

        assertThat(failed.toCompletableFuture()).failsWithin(Duration.ofSeconds(5));
        assertThat(connections.active("one.test")).isZero();
    }
}
