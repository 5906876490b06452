package io.yubin.store.s3;

import static io.yubin.store.s3.S3BlobStoreTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
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
import io.yubin.store.embedded.EmbeddedStorage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The sweeper deletes only old, unreferenced bodies, on SQLite metadata + S3 bodies. */
@ExtendWith(S3ServerExtension.class)
class S3OrphanSweeperTest {

    private static final MailAddress ALICE = MailAddress.parse("alice@example.test");
    private static final MailAddress BOB = MailAddress.parse("bob@example.test");

    @TempDir
    Path dir;

    private String bucket;
    private S3BlobStore blobs;
    private Storage storage;
    private MinioClient raw;

    @BeforeEach
    void open() {
        // a bucket per test: the sweeper looks at the whole bucket
        bucket = "sweep-" + Long.toHexString(System.nanoTime());
        blobs = S3BlobStore.open(S3Servers.options(S3ServerExtension.s3(), bucket, 2));
        storage = EmbeddedStorage.open(dir, blobs);
        raw = S3Servers.rawClient(S3ServerExtension.s3());
    }

    @AfterEach
    void close() throws Exception {
        storage.close();
        raw.close();
    }

    @Test
    void keepsReferencedAndYoungBodiesAndDeletesOldUnreferencedOnes() throws Exception {
        StoredBlob inSpool = put("in the spool");
        StoredBlob inMailbox = put("in a mailbox");
        StoredBlob orphan = put("never referenced");
        await(storage.spool().accept(SpoolEntry.queued(SpoolId.next(), Envelope.of(BOB, List.of(ALICE)), inSpool,
                Instant.now(), new SpoolEntry.ClientInfo("client.example.test", "192.0.2.7", null))));
        Mailbox box = await(storage.mailboxes().create(ALICE, MailboxPath.parse("Box"), Set.of()));
        await(storage.mailboxes().append(box.id(), new NewMessage(inMailbox, Instant.now(), Flags.NONE, null)));

        S3OrphanSweeper now = new S3OrphanSweeper(blobs, storage.blobReferences());
        assertThat(await(now.sweepOnce())).isEqualTo(new OrphanSweeper.Sweep(3, 0));
        assertThat(await(blobs.exists(orphan.id()))).isTrue();

        S3OrphanSweeper twoHoursLater = new S3OrphanSweeper(blobs, storage.blobReferences(), Duration.ofHours(1),
                Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC));
        assertThat(await(twoHoursLater.sweepOnce())).isEqualTo(new OrphanSweeper.Sweep(3, 1));

        assertThat(await(blobs.exists(orphan.id()))).isFalse();
        assertThat(await(blobs.exists(inSpool.id()))).isTrue();
        assertThat(await(blobs.exists(inMailbox.id()))).isTrue();
        assertThat(await(twoHoursLater.sweepOnce())).isEqualTo(new OrphanSweeper.Sweep(2, 0));
    }

    @Test
    void deletesOldLeftoversOfMultipartUploadsAndLeavesForeignKeysAlone() throws Exception {
        rawPut("incoming/01LEFTOVERFROMACRASH00000");
        rawPut("blobs/not-a-blob-id.txt");
        S3OrphanSweeper later = new S3OrphanSweeper(blobs, storage.blobReferences(), Duration.ofHours(1),
                Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC));

        assertThat(await(later.sweepOnce())).isEqualTo(new OrphanSweeper.Sweep(2, 1));

        assertThat(exists("incoming/01LEFTOVERFROMACRASH00000")).isFalse();
        assertThat(exists("blobs/not-a-blob-id.txt")).isTrue();
    }

    private StoredBlob put(String text) {
        return await(blobs.put(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))));
    }

    private void rawPut(String key) throws Exception {
        raw.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(new byte[] {1}), 1, -1).build());
    }

    private boolean exists(String key) throws Exception {
        try {
            raw.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (io.minio.errors.ErrorResponseException e) {
            assertThat(e.errorResponse().code()).isEqualTo("NoSuchKey");
            return false;
        }
    }
}
