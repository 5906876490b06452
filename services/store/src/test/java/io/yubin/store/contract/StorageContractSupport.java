package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.yubin.model.Domain;
import io.yubin.model.Envelope;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.store.QuotaLimits;
import io.yubin.store.NewMessage;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.StoreException;
import io.yubin.store.StoredBlob;
import io.yubin.store.UserRecord;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The common base of the storage contract suites: a fresh {@link Storage} per test in its own
 * directory, closed afterwards, and {@link #reopen()} for persistence checks. Backends subclass the
 * contract classes and implement {@link #openStorage(Path)} only.
 */
public abstract class StorageContractSupport {

    protected static final Instant DATE = Instant.parse("2026-03-01T10:15:30.123456789Z");
    protected static final Domain DOMAIN = Domain.parse("example.test");
    protected static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    protected static final MailAddress BOB = MailAddress.parse("bob@example.test");

    @TempDir
    protected Path dir;

    protected Storage storage;

    /** Opens the backend on {@code dir}; opening the same directory again sees the same data. */
    protected abstract Storage openStorage(Path dir) throws Exception;

    @BeforeEach
    void openFreshStorage() throws Exception {
        storage = openStorage(dir);
    }

    @AfterEach
    void closeStorage() throws Exception {
        if (storage != null) {
            storage.close();
            storage = null;
        }
    }

    /** Closes the storage and opens the same directory again. */
    protected void reopen() throws Exception {
        storage.close();
        storage = null;
        storage = openStorage(dir);
    }

    /** Waits (bounded) for a stage and returns its value; a StoreException is rethrown as is. */
    protected static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("storage did not answer within 60 s", e);
        }
    }

    /** Asserts that the stage fails with a StoreException of this kind. */
    protected static StoreException assertFails(CompletionStage<?> stage, StoreException.Kind kind) {
        try {
            Object value = await(stage);
            return fail("expected %s but completed with %s", kind, value);
        } catch (StoreException e) {
            assertThat(e.kind()).as("kind of %s", e.getMessage()).isEqualTo(kind);
            return e;
        }
    }

    protected StoredBlob putBlob(String content) {
        return putBlob(content.getBytes(StandardCharsets.UTF_8));
    }

    protected StoredBlob putBlob(byte[] content) {
        return await(storage.blobs().put(new ByteArrayInputStream(content)));
    }

    protected static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static String text(InputStream in) {
        return new String(readAll(in), StandardCharsets.UTF_8);
    }

    protected static NewMessage message(StoredBlob blob, Flags flags) {
        return new NewMessage(blob, DATE, flags, null);
    }

    protected static NewMessage delivery(StoredBlob blob, String deliveryKey) {
        return new NewMessage(blob, DATE, Flags.NONE, deliveryKey);
    }

    protected static UserRecord user(MailAddress address) {
        return new UserRecord(address, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", QuotaLimits.NONE, DATE);
    }

    protected static SpoolEntry spoolEntry(StoredBlob blob, MailAddress... recipients) {
        return SpoolEntry.queued(SpoolId.next(), Envelope.of(BOB, List.of(recipients)), blob, DATE,
                new SpoolEntry.ClientInfo("client.example.test", "192.0.2.7", null));
    }
}
