package io.yubin.delivery;

import io.yubin.filter.spam.SpamFilter;
import io.yubin.filter.spam.SpamThresholds;
import io.yubin.model.MailAddress;
import io.yubin.store.BlobStore;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Spam to Junk at delivery (docs/filtering.md): each local user's copy goes to Junk when the message
 * scores at or above the user's junk threshold, with the user's model over the global one. The
 * message is tokenized once per spool entry, whatever the number of users.
 */
public final class SpamQuarantine implements Quarantine {

    /** Entries whose features are kept, for their other users. */
    private static final int REMEMBERED = 64;

    private final SpamFilter filter;
    private final SpamThresholds thresholds;
    private final BlobStore blobs;
    private final Executor blocking;
    private final Map<SpoolId, CompletableFuture<long[]>> features = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<SpoolId, CompletableFuture<long[]>> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** @param blocking where bodies are read (blob reads may block) */
    public SpamQuarantine(SpamFilter filter, SpamThresholds thresholds, BlobStore blobs, Executor blocking) {
        this.filter = Objects.requireNonNull(filter, "filter");
        this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
    }

    @Override
    public CompletionStage<Optional<String>> reason(SpoolEntry entry, MailAddress user) {
        double junk = thresholds.of(user.canonical()).junk();
        if (junk > 1) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return filter.judges(user.canonical()).thenCompose(judges -> !judges
                ? CompletableFuture.completedFuture(Optional.<String>empty())
                : featuresOf(entry).thenCompose(f -> filter.score(f, user.canonical())).thenApply(score ->
                        score.atLeast(junk) ? Optional.of(String.format(Locale.ROOT, "spam score %.3f", score.value()))
                                : Optional.empty()));
    }

    private CompletionStage<long[]> featuresOf(SpoolEntry entry) {
        CompletableFuture<long[]> found;
        synchronized (features) {
            found = features.get(entry.id());
            if (found == null) {
                found = blobs.get(entry.blob().id()).thenApplyAsync(SpamFilter::head, blocking)
                        .thenCompose(filter::features).toCompletableFuture();
                features.put(entry.id(), found);
            }
        }
        // A failed read is not remembered: the retry reads again.
        CompletableFuture<long[]> mine = found;
        return mine.whenComplete((f, failure) -> {
            if (failure != null) {
                synchronized (features) {
                    features.remove(entry.id(), mine);
                }
            }
        });
    }
}
