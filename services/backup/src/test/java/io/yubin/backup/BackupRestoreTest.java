package io.yubin.backup;

import static io.yubin.backup.MailSystems.ALICE;
import static io.yubin.backup.MailSystems.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.yubin.model.Flags;
import io.yubin.model.MailboxPath;
import io.yubin.model.SystemFlag;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.QuotaLimits;
import io.yubin.store.Storage;
import io.yubin.store.UidSet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Backup and restore on the embedded storage: the archive, its checks, full and incremental restores. */
class BackupRestoreTest extends EmbeddedStorages {

    private static byte[] backup(Storage s, BackupScope scope, Archive.Contents base) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new BackupWriter(s, Clock.systemUTC()).write(out, scope, base);
        return out.toByteArray();
    }

    private static Archive.Source source(byte[] archive) {
        return () -> new ByteArrayInputStream(archive);
    }

    private static Archive.Contents read(byte[] archive) {
        return Archive.read(new ByteArrayInputStream(archive), Archive.BodySink.IGNORE);
    }

    @Test
    void aFullBackupRestoredIntoAnEmptySystemGivesItBackByteForByteWithItsUids() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] archive = backup(source, BackupScope.all(), null);

        Archive.Contents contents = read(archive);
        assertThat(contents.users()).hasSize(3);
        assertThat(contents.bodies()).hasSize(9); // the two copies share their originals' bodies
        Storage target = open("target");
        Restorer.Result result = new Restorer(target).restore(List.of(source(archive)));

        assertThat(MailSystems.snapshot(target)).isEqualTo(MailSystems.snapshot(source));
        assertThat(result.usersAdded()).isEqualTo(3);
        assertThat(result.messagesAppended()).isZero();
        assertThat(result.messagesKeptUid()).isEqualTo(11);
        // UIDNEXT is kept too, so the next delivery gets the UID it would have had.
        Mailbox inbox = MailSystems.find(target, ALICE, "INBOX");
        assertThat(MailSystems.append(target, inbox, "next", Flags.NONE)).isEqualTo(9);
    }

    @Test
    void aRestoreRunTwiceRestoresOnce() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] archive = backup(source, BackupScope.all(), null);
        Storage target = open("target");
        new Restorer(target).restore(List.of(source(archive)));

        Restorer.Result again = new Restorer(target).restore(List.of(source(archive)));

        assertThat(again.usersAdded()).isZero();
        assertThat(again.mailboxesCreated()).isZero();
        assertThat(again.messagesKeptUid() + again.messagesAppended()).isZero();
        assertThat(again.messagesPresent()).isEqualTo(11);
        assertThat(again.bodies()).isZero();
        assertThat(MailSystems.snapshot(target)).isEqualTo(MailSystems.snapshot(source));
    }

    @Test
    void intoALiveSystemLostMessagesComeBackWithoutDisturbingTheUidsClientsHaveSeen() throws Exception {
        Storage live = open("live");
        MailSystems.populate(live);
        byte[] archive = backup(live, BackupScope.user(ALICE), null);
        Mailbox inbox = MailSystems.find(live, ALICE, "INBOX");
        // The user deletes two messages, one new one arrives, and a folder is deleted.
        await(live.mailboxes().expungeMessages(inbox.id(), UidSet.ofUids(List.of(3L, 8L)), false));
        MailSystems.append(live, inbox, "Subject: new\r\n\r\nnew\r\n", Flags.NONE);
        await(live.mailboxes().delete(ALICE, MailboxPath.parse("Projects/2026")));
        long uidValidity = inbox.uidValidity();

        Restorer.Result result = new Restorer(live).restore(List.of(source(archive)));

        List<MessageRecord> now = await(live.mailboxes().messages(inbox.id(), UidSet.ALL));
        // 1 4 6 7 stayed; 9 arrived; 3 and 8 come back above it, as new messages to every client.
        assertThat(now).extracting(MessageRecord::uid).containsExactly(1L, 4L, 6L, 7L, 9L, 10L, 11L);
        assertThat(now.get(5).flags().contains(SystemFlag.FLAGGED)).isTrue();
        assertThat(MailSystems.find(live, ALICE, "INBOX").uidValidity()).isEqualTo(uidValidity);
        // The deleted folder comes back whole, under its old UIDVALIDITY and UIDs.
        assertThat(result.mailboxesCreated()).isEqualTo(1);
        Mailbox projects = MailSystems.find(live, ALICE, "Projects/2026");
        assertThat(await(live.mailboxes().messages(projects.id(), UidSet.ALL))).extracting(MessageRecord::uid)
                .containsExactly(1L, 2L, 3L);
        assertThat(result.messagesAppended()).isEqualTo(2);
        assertThat(new Restorer(live).restore(List.of(source(archive))).messagesAppended()).isZero();
    }

    @Test
    void incrementalArchivesCarryWhatChangedAndRestoreTheLatestState() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] full = backup(source, BackupScope.all(), null);
        Mailbox inbox = MailSystems.find(source, ALICE, "INBOX");
        MailSystems.append(source, inbox, "Subject: after\r\n\r\nafter\r\n", Flags.NONE);
        await(source.mailboxes().updateFlags(inbox.id(), UidSet.single(1), io.yubin.store.MailboxStore.FlagOperation.ADD,
                Flags.of("$Important"), -1));
        await(source.mailboxes().expungeMessages(inbox.id(), UidSet.single(4), false));
        await(source.mailboxes().delete(ALICE, MailboxPath.parse("Projects/2026")));
        await(source.mailboxes().create(ALICE, MailboxPath.parse("Later"), Set.of()));
        byte[] first = backup(source, BackupScope.all(), read(full));
        MailSystems.append(source, inbox, "Subject: later still\r\n\r\n", Flags.of(SystemFlag.SEEN));
        byte[] second = backup(source, BackupScope.all(), read(first));

        Archive.Contents inc = read(first);
        assertThat(inc.header().base()).isEqualTo(read(full).header().id());
        assertThat(inc.bodies()).hasSize(1); // only the new message's body
        Storage target = open("target");
        new Restorer(target).restore(List.of(source(full), source(first), source(second)));

        assertThat(MailSystems.snapshot(target)).isEqualTo(MailSystems.snapshot(source));
        assertThatThrownBy(() -> new Restorer(open("other")).restore(List.of(source(full), source(second))))
                .isInstanceOf(BackupException.class).hasMessageContaining("does not continue");
        assertThatThrownBy(() -> new Restorer(open("third")).restore(List.of(source(first))))
                .isInstanceOf(BackupException.class).hasMessageContaining("give the full archive first");
    }

    @Test
    void anArchiveCutShortAnywhereIsRefusedAndNothingIsRestored() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] archive = backup(source, BackupScope.all(), null);
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(archive);
        }
        assertThat(read(zipped.toByteArray()).users()).hasSize(3);
        Storage target = open("target");

        for (byte[] whole : List.of(archive, zipped.toByteArray())) {
            // The last cut leaves out only the end record's block and the tar trailer.
            for (int cut : new int[] {100, 700, whole.length / 3, whole.length / 2, whole.length - 3000}) {
                byte[] partial = Arrays.copyOf(whole, cut);
                assertThatThrownBy(() -> new Restorer(target).restore(List.of(source(partial))))
                        .as("cut at %d of %d", cut, whole.length).isInstanceOf(BackupException.class);
            }
        }
        assertThat(await(target.directory().listDomains())).isEmpty();
    }

    @Test
    void aBodyAlteredInTheArchiveIsFound() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        byte[] archive = backup(source, BackupScope.domain(MailSystems.B), null);
        int at = indexOf(archive, "Subject: b".getBytes());
        archive[at + 9] = 'c';

        assertThatThrownBy(() -> read(archive)).isInstanceOf(BackupException.class)
                .hasMessageContaining("does not match its checksum");
    }

    @Test
    void aDomainBackupHoldsThatDomainOnly() throws Exception {
        Storage source = open("source");
        MailSystems.populate(source);
        Path file = dir.resolve("b.tar");
        Files.write(file, backup(source, BackupScope.domain(MailSystems.B), null));

        Storage target = open("target");
        new Restorer(target).restore(List.of(() -> Files.newInputStream(file)));

        MailSystems.Snapshot restored = MailSystems.snapshot(target);
        assertThat(restored.domains()).containsExactly("b.test " + new QuotaLimits(1L << 30, 100_000))
                .as("with its quota").isEqualTo(List.of(MailSystems.snapshot(source).domains().get(1)));
        assertThat(restored.users()).containsOnlyKeys("bob@b.test");
        assertThat(restored.mailboxes().get("bob@b.test"))
                .isEqualTo(MailSystems.snapshot(source).mailboxes().get("bob@b.test"));
        assertThat(restored.spamModels()).doesNotContainKey("global");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
