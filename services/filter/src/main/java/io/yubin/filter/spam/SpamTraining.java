package io.yubin.filter.spam;

import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.BlobStore;
import io.yubin.store.MailboxStore;
import io.yubin.store.UidSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the spam filter on what users do: a message moved or copied into Junk is spam, one moved out
 * of Junk ham (the IMAP server publishes these as {@code MARKED_JUNK} and {@code MARKED_NOT_JUNK}).
 * It listens to the events this member publishes, so each move trains once in the cluster, and trains
 * one message after the other in the order of the moves; a member that dies between a move and its
 * training loses that training.
 */
public final class SpamTraining implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SpamTraining.class);

    private final MailboxStore mailboxes;
    private final BlobStore blobs;
    private final SpamFilter filter;
    private final Executor worker;
    private final AutoCloseable subscription;
    /** The training last queued; each waits for the one before. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /** Starts listening to {@code events}; {@code worker} reads bodies (blob reads may block). */
    public SpamTraining(MailboxEvents events, MailboxStore mailboxes, BlobStore blobs, SpamFilter filter, Executor worker) {
        this.mailboxes = Objects.requireNonNull(mailboxes, "mailboxes");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.filter = Objects.requireNonNull(filter, "filter");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.subscription = events.onPublished(event -> {
            if (event.kind() == MailboxEvent.Kind.MARKED_JUNK || event.kind() == MailboxEvent.Kind.MARKED_NOT_JUNK) {
                // In the order published: a message moved into Junk and straight back out is ham at the end.
                synchronized (this) {
                    tail = tail.thenComposeAsync(v -> train(event), worker).thenApply(trained -> null);
                }
            }
        });
    }

    /** Trains on the message the event names; empty when it is gone (expunged since). Never fails. */
    public CompletionStage<Optional<SpamFilter.Trained>> train(MailboxEvent event) {
        boolean spam = event.kind() == MailboxEvent.Kind.MARKED_JUNK;
        return mailboxes.messages(event.mailbox(), UidSet.single(event.uid())).thenCompose(found -> {
            if (found.isEmpty()) {
                return CompletableFuture.completedFuture(Optional.<SpamFilter.Trained>empty());
            }
            return blobs.get(found.get(0).blob().id())
                    .thenApplyAsync(SpamFilter::head, worker)
                    .thenCompose(message -> filter.train(event.user().canonical(), message, spam))
                    .thenApply(Optional::of);
        }).handle((result, failure) -> {
            if (failure != null) {
                LOG.warn("Could not train the spam filter on uid {} of {} ({}): {}", event.uid(), event.user(),
                        spam ? "spam" : "ham", failure.toString());
                return Optional.empty();
            }
            result.ifPresent(r -> LOG.debug("spam filter trained on uid {} of {} as {}: {}", event.uid(), event.user(),
                    spam ? "spam" : "ham", r));
            return result;
        });
    }

    @Override
    public void close() throws Exception {
        subscription.close();
    }
}
