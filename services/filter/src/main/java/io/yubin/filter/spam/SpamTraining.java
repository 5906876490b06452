package io.yubin.filter.spam;

import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.BlobStore;
import io.yubin.store.MailboxStore;
import io.yubin.store.UidSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the spam filter on what users do: a message moved or copied into Junk is spam, one moved out
 * of Junk ham (the IMAP server publishes these as {@code MARKED_JUNK} and {@code MARKED_NOT_JUNK}).
 * It listens to the events this member publishes, so each move trains once in the cluster; a member
 * that dies between a move and its training loses that training.
 *
 * <p>Training rewrites the models it changes (the global one is some MB), so moves are trained in
 * batches: the events that arrived while the last batch was trained, {@link #MAX_BATCH} at most, go
 * together, each run of one user's moves the same way costing one rewrite of that user's model and of
 * the global one (a user moving 50 messages into Junk one by one: one training instead of 50). Runs are
 * trained in the order of the moves, so a message moved into Junk and straight back out is ham at the
 * end.
 */
public final class SpamTraining implements AutoCloseable {

    /** Events trained together at most (each message read up to {@link SpamFilter#MAX_MESSAGE_BYTES}). */
    static final int MAX_BATCH = 32;

    private static final Logger LOG = LoggerFactory.getLogger(SpamTraining.class);

    private final MailboxStore mailboxes;
    private final BlobStore blobs;
    private final SpamFilter filter;
    private final Executor worker;
    private final AutoCloseable subscription;
    /** Events not yet taken into a batch, in the order published. */
    private final ArrayDeque<MailboxEvent> pending = new ArrayDeque<>();
    /** Whether a batch is being trained (the next one starts when it ends). */
    private boolean training;

    /** Starts listening to {@code events}; {@code worker} reads bodies (blob reads may block). */
    public SpamTraining(MailboxEvents events, MailboxStore mailboxes, BlobStore blobs, SpamFilter filter, Executor worker) {
        this.mailboxes = Objects.requireNonNull(mailboxes, "mailboxes");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.filter = Objects.requireNonNull(filter, "filter");
        this.worker = Objects.requireNonNull(worker, "worker");
        this.subscription = events.onPublished(event -> {
            if (event.kind() == MailboxEvent.Kind.MARKED_JUNK || event.kind() == MailboxEvent.Kind.MARKED_NOT_JUNK) {
                synchronized (this) {
                    pending.add(event);
                    if (!training) {
                        training = true;
                        start();
                    }
                }
            }
        });
    }

    private void nextBatch() {
        List<MailboxEvent> batch = new ArrayList<>();
        synchronized (this) {
            while (!pending.isEmpty() && batch.size() < MAX_BATCH) {
                batch.add(pending.poll());
            }
        }
        train(batch).whenComplete((trained, failure) -> {
            synchronized (this) {
                if (pending.isEmpty()) {
                    training = false;
                } else {
                    start();
                }
            }
        });
    }

    /**
     * Hands the next batch to the worker (holding this object's lock). A worker that takes no more work
     * (the server stopping) drops what waits, as a member that stops between a move and its training
     * does; the publisher, an IMAP session, never sees the refusal.
     */
    private void start() {
        try {
            worker.execute(this::nextBatch);
        } catch (RejectedExecutionException e) {
            LOG.warn("Spam training stopped: {} move(s) into or out of Junk not trained", pending.size());
            pending.clear();
            training = false;
        }
    }

    /**
     * Trains on the messages the events name, in order, one run of a user's moves the same way at a time;
     * per event what the user's model did, empty when the message is gone (expunged since) or its run
     * could not be trained (logged). Never fails.
     */
    public CompletionStage<List<Optional<SpamFilter.Trained>>> train(List<MailboxEvent> events) {
        List<Optional<SpamFilter.Trained>> results = new ArrayList<>();
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        int start = 0;
        while (start < events.size()) {
            int end = start + 1;
            while (end < events.size() && sameRun(events.get(start), events.get(end))) {
                end++;
            }
            List<MailboxEvent> run = events.subList(start, end);
            chain = chain.thenCompose(v -> trainRun(run)).thenAccept(results::addAll);
            start = end;
        }
        return chain.thenApply(v -> results);
    }

    private static boolean sameRun(MailboxEvent a, MailboxEvent b) {
        return a.user().equals(b.user()) && a.kind() == b.kind();
    }

    /** One user's moves, all into Junk or all out of it: the messages read, then trained as one batch. */
    private CompletionStage<List<Optional<SpamFilter.Trained>>> trainRun(List<MailboxEvent> run) {
        MailboxEvent first = run.get(0);
        boolean spam = first.kind() == MailboxEvent.Kind.MARKED_JUNK;
        List<CompletableFuture<Optional<byte[]>>> reads = run.stream().map(e -> read(e).toCompletableFuture()).toList();
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            List<byte[]> messages = reads.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList();
            CompletionStage<List<SpamFilter.Trained>> trained = messages.isEmpty()
                    ? CompletableFuture.completedFuture(List.of())
                    : filter.train(first.user().canonical(), messages, spam);
            return trained.thenApply(done -> {
                List<Optional<SpamFilter.Trained>> out = new ArrayList<>();
                int next = 0;
                for (CompletableFuture<Optional<byte[]>> read : reads) {
                    out.add(read.join().isPresent() ? Optional.of(done.get(next++)) : Optional.empty());
                }
                LOG.debug("spam filter trained {} of {} as {}: {}", messages.size(), first.user(),
                        spam ? "spam" : "ham", done);
                return out;
            });
        }).exceptionally(failure -> {
            LOG.warn("Could not train the spam filter on {} message(s) of {} ({}): {}", run.size(), first.user(),
                    spam ? "spam" : "ham", failure.toString());
            return run.stream().map(e -> Optional.<SpamFilter.Trained>empty()).toList();
        });
    }

    /** The head of the message an event names; empty when it is gone or cannot be read (logged). */
    private CompletionStage<Optional<byte[]>> read(MailboxEvent event) {
        return mailboxes.messages(event.mailbox(), UidSet.single(event.uid())).thenCompose(found -> found.isEmpty()
                ? CompletableFuture.completedFuture(Optional.<byte[]>empty())
                : blobs.get(found.get(0).blob().id()).thenApplyAsync(in -> Optional.of(SpamFilter.head(in)), worker))
                .exceptionally(failure -> {
                    LOG.warn("Could not read uid {} of {} to train the spam filter on it: {}", event.uid(), event.user(),
                            failure.toString());
                    return Optional.empty();
                });
    }

    @Override
    public void close() throws Exception {
        subscription.close();
    }
}
