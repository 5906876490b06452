package io.yubin.store.embedded;

import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.QuotaLimits;
import io.yubin.store.AppendResult;
import io.yubin.store.Mailbox;
import io.yubin.store.NewMessage;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.UserRecord;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The writer process of {@link EmbeddedCrashDurabilityTest}: accepts messages the way SMTP and
 * delivery do (put the body and record the spool entry, in one call or in two; append with a
 * delivery key) from several threads, and prints {@code ACK <spoolId> <uid> <blobId> <sha256>} only after the spool entry and
 * the append have both completed. It runs until it is killed.
 */
public final class CrashWriter {

    static final MailAddress USER = MailAddress.parse("crash@example.test");
    private static final int THREADS = 4;

    private CrashWriter() {
    }

    public static void main(String[] args) throws Exception {
        Storage storage = EmbeddedStorage.open(Path.of(args[0]));
        ignoreConflict(storage.directory().addDomain(Domain.parse("example.test")).toCompletableFuture());
        ignoreConflict(storage.directory().addUser(new UserRecord(USER, "$argon2id$x", QuotaLimits.NONE, Instant.now()))
                .toCompletableFuture());
        storage.mailboxes().provision(USER).toCompletableFuture().join();
        Mailbox inbox = storage.mailboxes().find(USER, MailboxPath.INBOX).toCompletableFuture().join().orElseThrow();
        PrintStream out = System.out;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            SplittableRandom random = new SplittableRandom();
            // Half the threads store body and entry in one call, as SMTP does (one commit when inline).
            boolean combined = t % 2 == 1;
            Thread thread = new Thread(() -> {
                while (true) {
                    byte[] body = new byte[1 + random.nextInt(32 * 1024)];
                    for (int i = 0; i < body.length; i++) {
                        body[i] = (byte) random.nextInt(256);
                    }
                    SpoolEntry entry;
                    long uid;
                    if (combined) {
                        entry = storage.spool().acceptWithBody(storage.blobs(), new ByteArrayInputStream(body),
                                blob -> entry(blob)).toCompletableFuture().join();
                        uid = storage.mailboxes().append(inbox.id(), new NewMessage(entry.blob(), Instant.now(),
                                Flags.NONE, entry.id() + "/" + USER.canonical())).toCompletableFuture().join().uid();
                    } else {
                        StoredBlob blob = storage.blobs().put(new ByteArrayInputStream(body)).toCompletableFuture()
                                .join();
                        entry = entry(blob);
                        CompletableFuture<Void> accepted = storage.spool().accept(entry).toCompletableFuture();
                        CompletableFuture<AppendResult> appended = storage.mailboxes().append(inbox.id(),
                                new NewMessage(blob, Instant.now(), Flags.NONE, entry.id() + "/" + USER.canonical()))
                                .toCompletableFuture();
                        accepted.join();
                        uid = appended.join().uid();
                    }
                    StoredBlob blob = entry.blob();
                    synchronized (out) {
                        out.println("ACK " + entry.id() + " " + uid + " " + blob.id() + " " + blob.sha256());
                        out.flush();
                    }
                }
            }, "crash-writer-" + t);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private static SpoolEntry entry(StoredBlob blob) {
        return SpoolEntry.queued(SpoolId.next(), Envelope.of(MailAddress.parse("sender@other.test"), List.of(USER)),
                blob, Instant.now(), new SpoolEntry.ClientInfo("other.test", "192.0.2.9", null));
    }

    private static void ignoreConflict(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof StoreException se) || se.kind() != StoreException.Kind.CONFLICT) {
                throw e;
            }
        }
    }
}
