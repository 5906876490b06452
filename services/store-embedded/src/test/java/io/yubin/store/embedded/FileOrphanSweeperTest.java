package io.yubin.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Envelope;
import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.Mailbox;
import io.yubin.store.NewMessage;
import io.yubin.store.OrphanSweeper;
import io.yubin.store.SpoolEntry;
import io.yubin.store.SpoolId;
import io.yubin.store.Storage;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bodies a crash left without any reference, in files and inline, are swept; nothing else is. */
class FileOrphanSweeperTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final MailAddress BOB = MailAddress.parse("bob@example.test");
    private static final byte[] LARGE = new byte[100 * 1024];

    @TempDir
    Path dir;

    private Storage storage;
    private FileBlobStore blobs;

    @BeforeEach
    void open() {
        storage = EmbeddedStorage.open(dir);
        blobs = (FileBlobStore) storage.blobs();
    }

    @AfterEach
    void close() throws Exception {
        storage.close();
    }

    @Test
    void deletesOldBodiesNothingEverReferencedAndKeepsTheRest() throws Exception {
        StoredBlob inSpool = put(LARGE);
        StoredBlob inMailbox = put("in a mailbox".getBytes(StandardCharsets.US_ASCII));
        StoredBlob orphanFile = put(LARGE);
        StoredBlob orphanInline = put("never referenced".getBytes(StandardCharsets.US_ASCII));
        StoredBlob expunged = put(LARGE);
        await(storage.spool().accept(SpoolEntry.queued(SpoolId.next(), Envelope.of(BOB, List.of(ALICE)), inSpool,
                Instant.now(), new SpoolEntry.ClientInfo("client.example.test", "192.0.2.7", null))));
        Mailbox box = await(storage.mailboxes().create(ALICE, MailboxPath.parse("Box"), Set.of()));
        await(storage.mailboxes().append(box.id(), new NewMessage(inMailbox, Instant.now(), Flags.NONE, null)));
        await(storage.mailboxes().append(box.id(), new NewMessage(expunged, Instant.now(), Flags.NONE, null)));
        await(storage.mailboxes().expunge(box.id(), UidSet.single(2), false));

        FileOrphanSweeper now = new FileOrphanSweeper(blobs, storage.blobReferences());
        assertThat(await(now.sweepOnce())).isEqualTo(new OrphanSweeper.Sweep(5, 0));

        FileOrphanSweeper twoHoursLater = new FileOrphanSweeper(blobs, storage.blobReferences(), Duration.ofHours(1),
                Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC));
        assertThat(await(twoHoursLater.sweepOnce())).isEqualTo(new OrphanSweeper.Sweep(5, 2));

        assertThat(await(blobs.exists(orphanFile.id()))).isFalse();
        assertThat(await(blobs.exists(orphanInline.id()))).isFalse();
        assertThat(await(blobs.exists(inSpool.id()))).isTrue();
        assertThat(await(blobs.exists(inMailbox.id()))).isTrue();
        // its last reference was dropped: the collector's, which also forgets it
        assertThat(await(blobs.exists(expunged.id()))).isTrue();
        assertThat(await(twoHoursLater.sweepOnce())).isEqualTo(new OrphanSweeper.Sweep(3, 0));
    }

    private StoredBlob put(byte[] body) throws Exception {
        return await(blobs.put(new ByteArrayInputStream(body)));
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
