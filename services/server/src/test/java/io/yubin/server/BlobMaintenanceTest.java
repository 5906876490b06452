package io.yubin.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.BlobCollector;
import io.yubin.store.Mailbox;
import io.yubin.store.NewMessage;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobMaintenanceTest {

    @TempDir
    Path dir;

    @Test
    void deletesTheBodiesOfExpungedMessagesAndKeepsTheOthers() throws Exception {
        try (Storage storage = EmbeddedStorage.open(dir);
                BlobMaintenance maintenance = new BlobMaintenance(
                        new BlobCollector(storage.blobReferences(), storage.blobs()), null)) {
            MailAddress alice = MailAddress.parse("alice@example.test");
            Mailbox box = storage.mailboxes().create(alice, MailboxPath.parse("Box"), Set.of())
                    .toCompletableFuture().join();
            StoredBlob gone = put(storage, "gone");
            StoredBlob kept = put(storage, "kept");
            storage.mailboxes().append(box.id(), new NewMessage(gone, Instant.now(), Flags.NONE, null))
                    .toCompletableFuture().join();
            storage.mailboxes().append(box.id(), new NewMessage(kept, Instant.now(), Flags.NONE, null))
                    .toCompletableFuture().join();
            storage.mailboxes().expunge(box.id(), UidSet.single(1), false).toCompletableFuture().join();

            assertThat(maintenance.collect()).isEqualTo(1);

            assertThat(storage.blobs().exists(gone.id()).toCompletableFuture().join()).isFalse();
            assertThat(storage.blobs().exists(kept.id()).toCompletableFuture().join()).isTrue();
            assertThat(maintenance.collect()).isZero();
        }
    }

    private static StoredBlob put(Storage storage, String text) {
        return storage.blobs().put(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().join();
    }
}
