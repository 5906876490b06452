package io.yubin.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;

/**
 * Removes bodies that nothing ever referenced (docs/architecture.md §4.4): a crash between
 * {@link BlobStore#put} and the spool or mailbox write that would have referenced the body, or a
 * client that went away after its body was stored. {@link BlobCollector} handles bodies whose last
 * reference was dropped; a sweeper is the safety net for the ones never counted. Each blob backend
 * walks its own bodies; the rule is shared: a body is deleted only when it is older than the grace
 * period and {@link BlobReferences#isReferenced} says no. A body gains its first reference right
 * after it is stored (within one SMTP transaction or one APPEND) and an unreferenced body never
 * gains one later (COPY copies a referenced message), so the grace period must only exceed the
 * longest time between a put and its first reference; one hour is far above that. Safe to run on
 * several processes at once: every step is idempotent.
 */
public abstract class OrphanSweeper {

    public static final Duration DEFAULT_GRACE = Duration.ofHours(1);

    /** What one pass did: bodies looked at and bodies deleted. */
    public record Sweep(int examined, int deleted) {

        public Sweep plus(Sweep other) {
            return new Sweep(examined + other.examined, deleted + other.deleted);
        }
    }

    protected final BlobReferences references;
    private final Duration grace;
    private final Clock clock;

    protected OrphanSweeper(BlobReferences references, Duration grace, Clock clock) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace period must not be negative");
        }
        this.references = references;
        this.grace = grace;
        this.clock = clock;
    }

    /** One pass over every body the backend holds. */
    public final CompletionStage<Sweep> sweepOnce() {
        return sweep(clock.instant().minus(grace));
    }

    /** One pass, deleting unreferenced bodies stored before {@code cutoff}. */
    protected abstract CompletionStage<Sweep> sweep(Instant cutoff);
}
