package io.yubin.delivery;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.yubin.model.Ids;
import io.yubin.store.Spool;
import io.yubin.store.SpoolId;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long the oldest message still waiting for a recipient (queued or deferred) has waited: the gauge
 * {@value #GAUGE} in seconds, 0 with nothing waiting. The spool ids are time-ordered, so the oldest
 * unfinished id tells its age; {@link #refresh} reads it (the server calls it every 30 s). In a cluster
 * every member reads the same spool and shows the same age.
 */
public final class QueueAge {

    public static final String GAUGE = "yubin.delivery.queue.oldest.age";

    private final Spool spool;
    private final Clock clock;
    private final AtomicLong seconds = new AtomicLong();

    public QueueAge(Spool spool, Clock clock, MeterRegistry registry) {
        this.spool = spool;
        this.clock = clock;
        Gauge.builder(GAUGE, seconds, AtomicLong::get).baseUnit("seconds")
                .description("Age of the oldest message still waiting for a recipient").register(registry);
    }

    public CompletionStage<Long> refresh() {
        return spool.unfinished(null, 1).thenApply(QueueAge::first).thenApply(oldest -> {
            long age = oldest == null ? 0 : Ids.epochMillis(oldest.value()).stream()
                    .map(millis -> Math.max(0, clock.millis() - millis) / 1000).findFirst().orElse(0);
            seconds.set(age);
            return age;
        });
    }

    private static SpoolId first(List<SpoolId> ids) {
        return ids.isEmpty() ? null : ids.get(0);
    }
}
