package io.yubin.store;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The spam filter's models (docs/filtering.md): one per owner, a user's canonical address or
 * {@link #GLOBAL}, kept as the filter's own bytes with a version. A model is written with
 * compare-and-set on its version, so members training one model at once never lose an update (the
 * loser reads again and retries). Beside each model, what its owner trained each message as, so that
 * training is idempotent per message and a message moved back is trained the other way.
 */
public interface SpamModels {

    /** The owner of the model every user's training feeds. Not an address, so no user's. */
    String GLOBAL = "@global";

    /** A stored model: the filter's bytes and the version they were written as (1 for the first). */
    record Model(byte[] bytes, long version) {
        public Model {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /** What a message was trained as. */
    enum Verdict { SPAM, HAM }

    CompletionStage<Optional<Model>> load(String owner);

    /**
     * Stores {@code bytes} as version {@code expected + 1} when the stored version is {@code expected}
     * (0: none is stored yet); false, and nothing written, when another writer changed it first.
     */
    CompletionStage<Boolean> save(String owner, byte[] bytes, long expected);

    /** What {@code owner} trained {@code message} (the filter's digest of it) as, if anything. */
    CompletionStage<Optional<Verdict>> trainedAs(String owner, String message);

    /** Records that {@code owner} trained {@code message} as {@code verdict}, replacing what it was. */
    CompletionStage<Void> markTrained(String owner, String message, Verdict verdict);

    /** Forgets the model of {@code owner} and what it trained (a user deleted). */
    CompletionStage<Void> delete(String owner);
}
