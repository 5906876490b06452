package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Flags;
import io.yubin.model.MailboxPath;
import io.yubin.store.BlobCollector;
import io.yubin.store.BlobId;
import io.yubin.store.BlobReferences;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxId;
import io.yubin.store.SpoolEntry;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@link BlobReferences} contract (docs/architecture.md §4.4). */
public abstract class BlobReferencesContract extends StorageContractSupport {

    private BlobReferences references() {
        return storage.blobReferences();
    }

    private Mailbox mailbox(String path) {
        return await(storage.mailboxes().create(ALICE, MailboxPath.parse(path), Set.of()));
    }

    private void append(MailboxId mailbox, StoredBlob blob) {
        await(storage.mailboxes().append(mailbox, message(blob, Flags.NONE)));
    }

    @Test
    void aBlobIsUnreferencedOnlyAfterTheSpoolEntryAndBothCopiesAreGone() {
        StoredBlob blob = putBlob("shared");
        SpoolEntry entry = spoolEntry(blob, ALICE);
        Mailbox one = mailbox("One");
        Mailbox two = mailbox("Two");
        await(storage.spool().accept(entry));
        append(one.id(), blob);
        await(storage.mailboxes().copy(one.id(), UidSet.ALL, two.id()));
        assertThat(await(references().isReferenced(blob.id()))).isTrue();

        await(storage.spool().remove(entry.id()));
        assertThat(await(references().isReferenced(blob.id()))).isTrue();
        assertThat(await(references().unreferenced(100))).doesNotContain(blob.id());

        await(storage.mailboxes().expunge(one.id(), UidSet.ALL, false));
        assertThat(await(references().isReferenced(blob.id()))).isTrue();
        assertThat(await(references().unreferenced(100))).doesNotContain(blob.id());

        await(storage.mailboxes().expunge(two.id(), UidSet.ALL, false));
        assertThat(await(references().isReferenced(blob.id()))).isFalse();
        assertThat(await(references().unreferenced(100))).containsExactly(blob.id());
    }

    @Test
    void aStructureIsStoredPerBlobReplacedOnPutAndForgottenWithTheBlob() {
        StoredBlob blob = putBlob("structured");
        StoredBlob other = putBlob("other");
        Mailbox one = mailbox("One");
        append(one.id(), blob);
        assertThat(await(storage.mailboxes().structure(blob.id()))).isEmpty();

        await(storage.mailboxes().putStructure(blob.id(), new byte[] {1, 2, 3}));
        await(storage.mailboxes().putStructure(blob.id(), new byte[] {4, 5}));
        await(storage.mailboxes().putStructure(other.id(), new byte[] {9}));
        assertThat(await(storage.mailboxes().structure(blob.id()))).hasValueSatisfying(
                data -> assertThat(data).containsExactly(4, 5));

        await(storage.mailboxes().expunge(one.id(), UidSet.ALL, false));
        new BlobCollector(references(), storage.blobs()).collectOnce(100).toCompletableFuture().join();
        assertThat(await(storage.mailboxes().structure(blob.id()))).isEmpty();
        assertThat(await(storage.mailboxes().structure(other.id()))).hasValueSatisfying(
                data -> assertThat(data).containsExactly(9));
    }

    @Test
    void structuresAreReadInOneGoForManyBlobsAndMissingOnesAreAbsent() {
        Mailbox box = mailbox("Many");
        List<BlobId> ids = new java.util.ArrayList<>();
        // Written all at once (one after the other, 700 conditional appends on Cassandra took 15 s).
        List<java.util.concurrent.CompletableFuture<StoredBlob>> puts = new java.util.ArrayList<>();
        for (int i = 0; i < 700; i++) {
            puts.add(storage.blobs().put(new java.io.ByteArrayInputStream(("message " + i)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8))).toCompletableFuture());
        }
        List<java.util.concurrent.CompletableFuture<?>> writes = new java.util.ArrayList<>();
        for (int i = 0; i < 700; i++) {
            StoredBlob blob = await(puts.get(i));
            ids.add(blob.id());
            writes.add(storage.mailboxes().append(box.id(), message(blob, Flags.NONE)).toCompletableFuture());
            if (i % 3 != 0) {
                writes.add(storage.mailboxes().putStructure(blob.id(), new byte[] {(byte) i, 7}).toCompletableFuture());
            }
        }
        await(java.util.concurrent.CompletableFuture.allOf(writes.toArray(java.util.concurrent.CompletableFuture[]::new)));
        ids.add(ids.get(1));

        Map<BlobId, byte[]> found = await(storage.mailboxes().structures(ids));

        assertThat(found).hasSize(466);
        for (int i = 0; i < 700; i++) {
            if (i % 3 == 0) {
                assertThat(found).doesNotContainKey(ids.get(i));
            } else {
                assertThat(found.get(ids.get(i))).as("blob %d", i).containsExactly((byte) i, 7);
            }
        }
        assertThat(await(storage.mailboxes().structures(List.of()))).isEmpty();
        assertThat(await(storage.mailboxes().structures(List.of(ids.get(2))))).containsOnlyKeys(ids.get(2));
    }

    @Test
    void forgetRemovesBlobsFromTheUnreferencedList() {
        StoredBlob a = putBlob("a");
        StoredBlob b = putBlob("b");
        Mailbox box = mailbox("Box");
        append(box.id(), a);
        append(box.id(), b);
        await(storage.mailboxes().expunge(box.id(), UidSet.ALL, false));
        assertThat(await(references().unreferenced(100))).containsExactlyInAnyOrder(a.id(), b.id());

        await(references().forget(List.of(a.id())));

        assertThat(await(references().unreferenced(100))).containsExactly(b.id());
    }

    @Test
    void unreferencedRespectsTheLimit() {
        Mailbox box = mailbox("Box");
        for (int i = 0; i < 5; i++) {
            append(box.id(), putBlob("m" + i));
        }
        await(storage.mailboxes().expunge(box.id(), UidSet.ALL, false));

        assertThat(await(references().unreferenced(3))).hasSize(3);
        assertThat(await(references().unreferenced(100))).hasSize(5);
    }

    @Test
    void aMoveKeepsTheReference() {
        StoredBlob blob = putBlob("moving");
        Mailbox one = mailbox("One");
        Mailbox two = mailbox("Two");
        append(one.id(), blob);

        await(storage.mailboxes().move(one.id(), UidSet.ALL, two.id()));

        assertThat(await(references().isReferenced(blob.id()))).isTrue();
        assertThat(await(references().unreferenced(100))).isEmpty();
    }

    @Test
    void deletingAMailboxDropsTheReferencesOfItsMessages() {
        StoredBlob blob = putBlob("doomed");
        Mailbox box = mailbox("Box");
        append(box.id(), blob);

        await(storage.mailboxes().delete(ALICE, MailboxPath.parse("Box")));

        assertThat(await(references().isReferenced(blob.id()))).isFalse();
        assertThat(await(references().unreferenced(100))).containsExactly(blob.id());
    }

    @Test
    void aBlobNothingEverReferencedIsNotReferenced() {
        StoredBlob blob = putBlob("orphan");

        assertThat(await(references().isReferenced(blob.id()))).isFalse();
    }

    @Test
    void referencesSurviveReopening() throws Exception {
        StoredBlob kept = putBlob("kept");
        StoredBlob dropped = putBlob("dropped");
        await(storage.spool().accept(spoolEntry(kept, ALICE)));
        Mailbox box = mailbox("Box");
        append(box.id(), dropped);
        await(storage.mailboxes().expunge(box.id(), UidSet.ALL, false));

        reopen();

        assertThat(await(references().isReferenced(kept.id()))).isTrue();
        assertThat(await(references().unreferenced(100))).containsExactly(dropped.id());
    }

    @Test
    void collectorDeletesUnreferencedBodiesAndKeepsReferencedOnes() {
        StoredBlob gone = putBlob("gone");
        StoredBlob kept = putBlob("kept");
        Mailbox box = mailbox("Box");
        append(box.id(), gone);
        append(box.id(), kept);
        Mailbox other = mailbox("Other");
        await(storage.mailboxes().copy(box.id(), UidSet.ALL, other.id()));
        await(storage.mailboxes().expunge(box.id(), UidSet.ALL, false));
        await(storage.mailboxes().expunge(other.id(), UidSet.single(1), false));

        BlobCollector collector = new BlobCollector(references(), storage.blobs());
        assertThat(await(collector.collectOnce(100))).isEqualTo(1);

        assertThat(await(storage.blobs().exists(gone.id()))).isFalse();
        assertThat(await(storage.blobs().exists(kept.id()))).isTrue();
        assertThat(await(references().unreferenced(100))).isEmpty();
        assertThat(await(collector.collectOnce(100))).isZero();
    }
}
