package io.yubin.filter.spam;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.queue.MailboxEvent;
import io.yubin.queue.MailboxEvents;
import io.yubin.store.MailboxId;
import io.yubin.store.NewMessage;
import io.yubin.store.SpamModels;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SpamTraining}: users' moves into and out of Junk, trained in batches, in order. */
class SpamTrainingTest {

    static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    static final MailAddress BOB = MailAddress.parse("bob@example.test");

    @TempDir
    Path dir;
    Storage storage;
    ExecutorService worker;
    SpamFilter filter;
    final Events events = new Events();
    final Random random = new Random(7);
    int id;

    @BeforeEach
    void open() {
        storage = EmbeddedStorage.open(dir);
        worker = Executors.newFixedThreadPool(2);
        filter = new SpamFilter(storage.spamModels(), new SpamClassifier(), new SpamFilter.Settings(5, Duration.ZERO, 64L << 20, 100_000),
                Clock.systemUTC(), worker);
    }

    @AfterEach
    void close() throws Exception {
        worker.shutdownNow();
        storage.close();
    }

    @Test
    void movesArrivingWhileABatchIsTrainedAreTrainedTogetherEachModelRewrittenOncePerBatch() throws Exception {
        MailboxId junk = mailbox(ALICE, "Junk");
        // The training's executor holds its work until all 40 moves are published, as when a client
        // moves 40 messages into Junk faster than one training takes.
        Gate gate = new Gate(worker);
        try (SpamTraining training = new SpamTraining(events, storage.mailboxes(), storage.blobs(), filter, gate)) {
            for (int i = 0; i < 40; i++) {
                events.publish(new MailboxEvent(ALICE, junk, MailboxEvent.Kind.MARKED_JUNK, append(junk, true), 0));
            }
            gate.open();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (model(ALICE.canonical()).map(InMemorySpamModel::spamMessages).orElse(0L) < 40
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // A batch of 32, then the 8 that waited: two rewrites of each model, not 40.
            assertThat(version(ALICE.canonical())).isEqualTo(2);
            assertThat(version(SpamModels.GLOBAL)).isEqualTo(2);
            assertThat(model(SpamModels.GLOBAL).orElseThrow().spamMessages()).isEqualTo(40);
        }
    }

    @Test
    void runsAreTrainedInTheOrderOfTheMovesSoTheLastMoveOfAMessageDecides() throws Exception {
        MailboxId inbox = mailbox(ALICE, "INBOX");
        MailboxId junk = mailbox(ALICE, "Junk");
        MailboxId bobJunk = mailbox(BOB, "Junk");
        byte[] message = Messages.message(random, true, 999);
        long inJunk = append(junk, message);
        long backInInbox = append(inbox, message);
        long bobs = append(bobJunk, true);
        SpamTraining training = new SpamTraining(events, storage.mailboxes(), storage.blobs(), filter, worker);

        List<Optional<SpamFilter.Trained>> trained = await(training.train(List.of(
                new MailboxEvent(ALICE, junk, MailboxEvent.Kind.MARKED_JUNK, inJunk, 0),
                new MailboxEvent(BOB, bobJunk, MailboxEvent.Kind.MARKED_JUNK, bobs, 0),
                new MailboxEvent(ALICE, inbox, MailboxEvent.Kind.MARKED_NOT_JUNK, backInInbox, 0),
                new MailboxEvent(ALICE, junk, MailboxEvent.Kind.MARKED_JUNK, 12345, 0))));

        assertThat(trained).containsExactly(Optional.of(SpamFilter.Trained.LEARNED), Optional.of(SpamFilter.Trained.LEARNED),
                Optional.of(SpamFilter.Trained.RELEARNED), Optional.empty());
        String digest = MessageFingerprint.of(message);
        assertThat(await(storage.spamModels().trainedAs(ALICE.canonical(), digest))).contains(SpamModels.Verdict.HAM);
        assertThat(await(storage.spamModels().trainedAs(SpamModels.GLOBAL, digest))).contains(SpamModels.Verdict.HAM);
        InMemorySpamModel alices = model(ALICE.canonical()).orElseThrow();
        assertThat(alices.spamMessages()).isZero();
        assertThat(alices.hamMessages()).isEqualTo(1);
        assertThat(model(BOB.canonical()).orElseThrow().spamMessages()).isEqualTo(1);
        training.close();
    }

    @Test
    void aMessageGoneBeforeItsTrainingIsSkippedAndTheOthersOfItsRunTrained() throws Exception {
        MailboxId junk = mailbox(ALICE, "Junk");
        long kept = append(junk, true);
        long gone = append(junk, true);
        await(storage.mailboxes().expunge(junk, UidSet.single(gone), false));
        SpamTraining training = new SpamTraining(events, storage.mailboxes(), storage.blobs(), filter, worker);

        assertThat(await(training.train(List.of(new MailboxEvent(ALICE, junk, MailboxEvent.Kind.MARKED_JUNK, gone, 0),
                new MailboxEvent(ALICE, junk, MailboxEvent.Kind.MARKED_JUNK, kept, 0)))))
                .containsExactly(Optional.empty(), Optional.of(SpamFilter.Trained.LEARNED));
        assertThat(model(ALICE.canonical()).orElseThrow().spamMessages()).isEqualTo(1);
        training.close();
    }

    @Test
    void aWorkerThatTakesNoMoreWorkDropsTheMovesWithoutFailingThePublisher() throws Exception {
        MailboxId junk = mailbox(ALICE, "Junk");
        long uid = append(junk, true);
        ExecutorService stopped = Executors.newSingleThreadExecutor();
        stopped.shutdown();
        try (SpamTraining training = new SpamTraining(events, storage.mailboxes(), storage.blobs(), filter, stopped)) {
            events.publish(new MailboxEvent(ALICE, junk, MailboxEvent.Kind.MARKED_JUNK, uid, 0));
            events.publish(new MailboxEvent(ALICE, junk, MailboxEvent.Kind.MARKED_JUNK, uid, 0));
        }
        assertThat(model(ALICE.canonical())).isEmpty();
    }

    private MailboxId mailbox(MailAddress user, String name) {
        await(storage.mailboxes().provision(user));
        MailboxPath path = MailboxPath.parse(name);
        return await(storage.mailboxes().find(user, path)).orElseGet(
                () -> await(storage.mailboxes().create(user, path, Set.of()))).id();
    }

    private long append(MailboxId mailbox, boolean spam) {
        return append(mailbox, Messages.message(random, spam, id++));
    }

    private long append(MailboxId mailbox, byte[] message) {
        return await(storage.blobs().put(new ByteArrayInputStream(message)).thenCompose(blob -> storage.mailboxes()
                .append(mailbox, new NewMessage(blob, Instant.now(), Flags.NONE, null)))).uid();
    }

    private Optional<InMemorySpamModel> model(String owner) {
        return await(storage.spamModels().load(owner)).map(m -> InMemorySpamModel.fromBytes(m.bytes()));
    }

    private long version(String owner) {
        return await(storage.spamModels().load(owner)).orElseThrow().version();
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Holds the tasks given to it until opened, then runs them and every later one on {@code pool}. */
    private static final class Gate implements java.util.concurrent.Executor {
        private final java.util.concurrent.Executor pool;
        private final List<Runnable> held = new ArrayList<>();
        private boolean open;

        Gate(java.util.concurrent.Executor pool) {
            this.pool = pool;
        }

        @Override
        public synchronized void execute(Runnable task) {
            if (open) {
                pool.execute(task);
            } else {
                held.add(task);
            }
        }

        synchronized void open() {
            open = true;
            held.forEach(pool::execute);
            held.clear();
        }
    }

    /** This process's events: what is published goes to the {@code onPublished} listeners at once. */
    private static final class Events implements MailboxEvents {
        private final List<Consumer<MailboxEvent>> published = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void publish(MailboxEvent event) {
            published.forEach(listener -> listener.accept(event));
        }

        @Override
        public AutoCloseable subscribe(MailAddress user, Consumer<MailboxEvent> listener) {
            return () -> { };
        }

        @Override
        public AutoCloseable onPublished(Consumer<MailboxEvent> listener) {
            published.add(listener);
            return () -> published.remove(listener);
        }

        @Override
        public void close() {
        }
    }
}
