package io.yubin.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Flags;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.model.SystemFlag;
import io.yubin.store.AppendResult;
import io.yubin.store.Changes;
import io.yubin.store.CopyResult;
import io.yubin.store.FlagUpdate;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxId;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MailboxStore;
import io.yubin.store.MailboxStore.FlagOperation;
import io.yubin.store.MessageRecord;
import io.yubin.store.QuotaUsage;
import io.yubin.store.StoreException.Kind;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The {@link MailboxStore} contract (docs/architecture.md §4.2, §4.3; RFC 9051, RFC 7162, RFC 4315). */
public abstract class MailboxStoreContract extends StorageContractSupport {

    private static final MailboxPath WORK = MailboxPath.parse("Work");

    private MailboxStore mailboxes() {
        return storage.mailboxes();
    }

    private Mailbox inbox() {
        await(mailboxes().provision(ALICE));
        return await(mailboxes().find(ALICE, MailboxPath.INBOX)).orElseThrow();
    }

    private Mailbox create(String path) {
        return await(mailboxes().create(ALICE, MailboxPath.parse(path), Set.of()));
    }

    private AppendResult append(Mailbox mailbox, String body, SystemFlag... flags) {
        return await(mailboxes().append(mailbox.id(), message(putBlob(body), Flags.of(flags))));
    }

    private List<MessageRecord> all(Mailbox mailbox) {
        return await(mailboxes().messages(mailbox.id(), UidSet.ALL));
    }

    private List<Long> uids(Mailbox mailbox) {
        return all(mailbox).stream().map(MessageRecord::uid).toList();
    }

    private MailboxStatus status(Mailbox mailbox) {
        return await(mailboxes().status(mailbox.id()));
    }

    @Test
    void provisionCreatesTheDefaultMailboxesWithSpecialUseAndSubscribesThem() {
        await(mailboxes().provision(ALICE));

        List<Mailbox> list = await(mailboxes().list(ALICE));
        assertThat(list).extracting(Mailbox::path).containsExactly(MailboxPath.parse("Archive"),
                MailboxPath.parse("Drafts"), MailboxPath.INBOX, MailboxPath.parse("Junk"), MailboxPath.parse("Sent"),
                MailboxPath.parse("Trash"));
        for (MailboxStore.DefaultMailbox d : MailboxStore.DEFAULT_MAILBOXES) {
            Mailbox m = await(mailboxes().find(ALICE, d.path())).orElseThrow();
            assertThat(m.specialUse()).as(d.path().name()).isEqualTo(d.specialUse());
            assertThat(m.owner()).isEqualTo(ALICE);
        }
        assertThat(await(mailboxes().subscriptions(ALICE)))
                .containsExactlyInAnyOrderElementsOf(MailboxStore.DEFAULT_MAILBOXES.stream()
                        .map(MailboxStore.DefaultMailbox::path).toList());
        assertThat(await(mailboxes().list(BOB))).isEmpty();
    }

    @Test
    void provisionIsIdempotent() {
        await(mailboxes().provision(ALICE));
        List<Mailbox> first = await(mailboxes().list(ALICE));

        await(mailboxes().provision(ALICE));

        assertThat(await(mailboxes().list(ALICE))).isEqualTo(first);
    }

    @Test
    void provisionCreatesOnlyTheMissingMailboxes() {
        await(mailboxes().provision(ALICE));
        Mailbox inbox = inbox();
        await(mailboxes().delete(ALICE, MailboxPath.parse("Junk")));

        await(mailboxes().provision(ALICE));

        assertThat(await(mailboxes().list(ALICE))).hasSize(6).contains(inbox);
    }

    @Test
    void mailboxesAreFoundByOwnerWhateverTheAddressCase() {
        Mailbox work = create("Work");

        assertThat(await(mailboxes().find(io.yubin.model.MailAddress.parse("ALICE@Example.TEST"), WORK)))
                .contains(work);
        assertThat(await(mailboxes().find(BOB, WORK))).isEmpty();
    }

    @Test
    void creatingAnExistingMailboxIsAConflict() {
        create("Work");

        assertFails(mailboxes().create(ALICE, WORK, Set.of()), Kind.CONFLICT);
    }

    @Test
    void createsAMailboxWithoutItsParentAndListsSortedByPath() {
        Mailbox child = await(mailboxes().create(ALICE, MailboxPath.parse("Projects/2026"), Set.of(SpecialUse.FLAGGED)));
        create("Alpha");

        assertThat(child.specialUse()).containsExactly(SpecialUse.FLAGGED);
        assertThat(await(mailboxes().find(ALICE, MailboxPath.parse("Projects")))).isEmpty();
        assertThat(await(mailboxes().list(ALICE))).extracting(Mailbox::path)
                .containsExactly(MailboxPath.parse("Alpha"), MailboxPath.parse("Projects/2026"));
    }

    @Test
    void renameMovesChildrenAndKeepsIdsUidValidityAndMessages() {
        Mailbox parent = create("Work");
        Mailbox child = create("Work/Clients");
        Mailbox grandchild = create("Work/Clients/Acme");
        Mailbox sibling = create("Workshop");
        append(child, "hello");

        await(mailboxes().rename(ALICE, WORK, MailboxPath.parse("Jobs/Old")));

        assertThat(await(mailboxes().find(ALICE, WORK))).isEmpty();
        Mailbox renamed = await(mailboxes().find(ALICE, MailboxPath.parse("Jobs/Old"))).orElseThrow();
        assertThat(renamed.id()).isEqualTo(parent.id());
        assertThat(renamed.uidValidity()).isEqualTo(parent.uidValidity());
        Mailbox renamedChild = await(mailboxes().find(ALICE, MailboxPath.parse("Jobs/Old/Clients"))).orElseThrow();
        assertThat(renamedChild.id()).isEqualTo(child.id());
        assertThat(renamedChild.uidValidity()).isEqualTo(child.uidValidity());
        assertThat(all(renamedChild)).hasSize(1);
        assertThat(await(mailboxes().find(ALICE, MailboxPath.parse("Jobs/Old/Clients/Acme")))).get()
                .extracting(Mailbox::id).isEqualTo(grandchild.id());
        assertThat(await(mailboxes().find(ALICE, MailboxPath.parse("Workshop")))).contains(sibling);
    }

    @Test
    void renamingAMissingMailboxIsNotFound() {
        assertFails(mailboxes().rename(ALICE, WORK, MailboxPath.parse("Jobs")), Kind.NOT_FOUND);
    }

    @Test
    void renamingOntoAnExistingMailboxIsAConflict() {
        create("Work");
        create("Jobs");

        assertFails(mailboxes().rename(ALICE, WORK, MailboxPath.parse("Jobs")), Kind.CONFLICT);
    }

    @Test
    void renamingWhenANewChildNameExistsIsAConflictAndChangesNothing() {
        Mailbox work = create("Work");
        create("Work/Clients");
        create("Jobs/Clients");

        assertFails(mailboxes().rename(ALICE, WORK, MailboxPath.parse("Jobs")), Kind.CONFLICT);

        assertThat(await(mailboxes().find(ALICE, WORK))).contains(work);
        assertThat(await(mailboxes().find(ALICE, MailboxPath.parse("Work/Clients")))).isPresent();
    }

    @Test
    void renamingInboxMovesItsMessagesToANewMailboxAndLeavesInboxEmpty() {
        Mailbox inbox = inbox();
        Mailbox inboxChild = create("INBOX/Lists");
        append(inbox, "one", SystemFlag.SEEN);
        append(inbox, "two");

        await(mailboxes().rename(ALICE, MailboxPath.INBOX, MailboxPath.parse("Old")));

        Mailbox old = await(mailboxes().find(ALICE, MailboxPath.parse("Old"))).orElseThrow();
        assertThat(old.id()).isNotEqualTo(inbox.id());
        assertThat(all(old)).extracting(MessageRecord::flags).containsExactly(Flags.of(SystemFlag.SEEN), Flags.NONE);
        Mailbox inboxAfter = await(mailboxes().find(ALICE, MailboxPath.INBOX)).orElseThrow();
        assertThat(inboxAfter.id()).isEqualTo(inbox.id());
        assertThat(all(inboxAfter)).isEmpty();
        assertThat(status(inboxAfter).uidNext()).isEqualTo(3);
        assertThat(await(mailboxes().find(ALICE, MailboxPath.parse("INBOX/Lists")))).contains(inboxChild);
    }

    @Test
    void deletingAMailboxKeepsTheMailboxesBelowIt() {
        create("Work");
        Mailbox child = create("Work/Clients");

        await(mailboxes().delete(ALICE, WORK));

        assertThat(await(mailboxes().find(ALICE, WORK))).isEmpty();
        assertThat(await(mailboxes().find(ALICE, MailboxPath.parse("Work/Clients")))).contains(child);
    }

    @Test
    void deletingInboxIsInvalidAndAMissingMailboxNotFound() {
        inbox();

        assertFails(mailboxes().delete(ALICE, MailboxPath.INBOX), Kind.INVALID);
        assertFails(mailboxes().delete(ALICE, WORK), Kind.NOT_FOUND);
    }

    @Test
    void aDeletedMailboxIsGoneForAppendAndStatus() {
        Mailbox work = create("Work");
        await(mailboxes().delete(ALICE, WORK));

        assertFails(mailboxes().append(work.id(), message(putBlob("x"), Flags.NONE)), Kind.NOT_FOUND);
        assertFails(mailboxes().status(work.id()), Kind.NOT_FOUND);
    }

    @Test
    void deleteAllRemovesEveryMailboxMessageAndSubscriptionOfTheUser() {
        Mailbox inbox = inbox();
        append(inbox, "hello");
        await(mailboxes().subscribe(ALICE, MailboxPath.parse("Nowhere")));
        await(mailboxes().provision(BOB));

        await(mailboxes().deleteAll(ALICE));

        assertThat(await(mailboxes().list(ALICE))).isEmpty();
        assertThat(await(mailboxes().subscriptions(ALICE))).isEmpty();
        assertThat(await(mailboxes().quotaUsage(ALICE))).isEqualTo(new QuotaUsage(0, 0));
        assertThat(await(mailboxes().list(BOB))).hasSize(6);
    }

    @Test
    void subscriptionsAreIdempotentSortedAndMayNameMissingMailboxes() {
        await(mailboxes().subscribe(ALICE, MailboxPath.parse("Zeta")));
        await(mailboxes().subscribe(ALICE, MailboxPath.parse("Alpha")));
        await(mailboxes().subscribe(ALICE, MailboxPath.parse("Alpha")));

        assertThat(await(mailboxes().subscriptions(ALICE))).containsExactly(MailboxPath.parse("Alpha"),
                MailboxPath.parse("Zeta"));

        await(mailboxes().unsubscribe(ALICE, MailboxPath.parse("Alpha")));
        await(mailboxes().unsubscribe(ALICE, MailboxPath.parse("Alpha")));
        assertThat(await(mailboxes().subscriptions(ALICE))).containsExactly(MailboxPath.parse("Zeta"));
    }

    @Test
    void appendsGetAscendingUidsAndTheMailboxUidValidity() {
        Mailbox inbox = inbox();
        StoredBlob blob = putBlob("one");

        AppendResult first = await(mailboxes().append(inbox.id(), message(blob, Flags.NONE)));
        AppendResult second = append(inbox, "two");

        assertThat(first.uid()).isPositive();
        assertThat(second.uid()).isGreaterThan(first.uid());
        assertThat(first.uidValidity()).isEqualTo(inbox.uidValidity());
        assertThat(first.mailbox()).isEqualTo(inbox.id());
        assertThat(first.duplicate()).isFalse();
        MessageRecord stored = all(inbox).get(0);
        assertThat(stored.internalDate()).isEqualTo(DATE);
        assertThat(stored.blob()).isEqualTo(blob);
        assertThat(stored.size()).isEqualTo(3);
    }

    @Test
    void uidsStayAscendingAfterExpungingTheHighest() {
        Mailbox inbox = inbox();
        append(inbox, "one");
        AppendResult highest = append(inbox, "two");

        await(mailboxes().expunge(inbox.id(), UidSet.single(highest.uid()), false));
        AppendResult next = append(inbox, "three");

        assertThat(next.uid()).isGreaterThan(highest.uid());
    }

    @Test
    void uidsStayAscendingAfterReopening() throws Exception {
        Mailbox inbox = inbox();
        AppendResult highest = append(inbox, "two");
        await(mailboxes().expunge(inbox.id(), UidSet.single(highest.uid()), false));

        reopen();

        AppendResult next = append(inbox, "three");
        assertThat(next.uid()).isGreaterThan(highest.uid());
        assertThat(status(inbox).uidValidity()).isEqualTo(inbox.uidValidity());
    }

    @Test
    void aMailboxRecreatedUnderAnOldNameGetsANewUidValidity() throws Exception {
        Mailbox first = create("Work");
        await(mailboxes().delete(ALICE, WORK));
        Mailbox second = create("Work");
        await(mailboxes().delete(ALICE, WORK));
        reopen();
        Mailbox third = create("Work");

        assertThat(List.of(first.uidValidity(), second.uidValidity(), third.uidValidity())).doesNotHaveDuplicates();
        assertThat(second.uidValidity()).isPositive().isLessThanOrEqualTo(0xFFFF_FFFFL);
        assertThat(second.id()).isNotEqualTo(first.id());
    }

    @Test
    void modSeqsAscendAcrossAppendFlagChangeAndExpunge() {
        Mailbox inbox = inbox();
        AppendResult a = append(inbox, "one");
        AppendResult b = append(inbox, "two");
        assertThat(b.modSeq()).isGreaterThan(a.modSeq());

        FlagUpdate update = await(mailboxes().updateFlags(inbox.id(), UidSet.single(a.uid()), FlagOperation.ADD,
                Flags.of(SystemFlag.DELETED), -1));
        long flagModSeq = update.changed().get(0).modSeq();
        assertThat(flagModSeq).isGreaterThan(b.modSeq());
        assertThat(status(inbox).highestModSeq()).isEqualTo(flagModSeq);

        await(mailboxes().expunge(inbox.id(), UidSet.ALL, true));
        long afterExpunge = status(inbox).highestModSeq();
        assertThat(afterExpunge).isGreaterThan(flagModSeq);

        AppendResult c = append(inbox, "three");
        assertThat(c.modSeq()).isGreaterThan(afterExpunge);
    }

    @Test
    void settingFlagsAMessageAlreadyHasKeepsItsModSeq() {
        Mailbox inbox = inbox();
        AppendResult a = append(inbox, "one", SystemFlag.SEEN);
        AppendResult b = append(inbox, "two");

        FlagUpdate update = await(mailboxes().updateFlags(inbox.id(), UidSet.ALL, FlagOperation.ADD,
                Flags.of(SystemFlag.SEEN), -1));

        assertThat(update.changed()).extracting(MessageRecord::uid).containsExactly(b.uid());
        assertThat(all(inbox).get(0).modSeq()).isEqualTo(a.modSeq());
        assertThat(update.changed().get(0).flags()).isEqualTo(Flags.of(SystemFlag.SEEN));
    }

    @Test
    void flagOperationsAddRemoveAndReplace() {
        Mailbox inbox = inbox();
        AppendResult a = append(inbox, "one", SystemFlag.SEEN);
        UidSet uid = UidSet.single(a.uid());

        await(mailboxes().updateFlags(inbox.id(), uid, FlagOperation.ADD, Flags.of("$Label1", "\\Flagged"), -1));
        assertThat(all(inbox).get(0).flags()).isEqualTo(Flags.of("\\Seen", "\\Flagged", "$label1"));

        await(mailboxes().updateFlags(inbox.id(), uid, FlagOperation.REMOVE, Flags.of("\\Seen"), -1));
        assertThat(all(inbox).get(0).flags()).isEqualTo(Flags.of("\\Flagged", "$Label1"));

        await(mailboxes().updateFlags(inbox.id(), uid, FlagOperation.REPLACE, Flags.of("\\Answered"), -1));
        assertThat(all(inbox).get(0).flags()).isEqualTo(Flags.of(SystemFlag.ANSWERED));
    }

    @Test
    void unchangedSinceLeavesMessagesModifiedLaterAlone() {
        Mailbox inbox = inbox();
        AppendResult a = append(inbox, "one");
        AppendResult b = append(inbox, "two");
        long seen = a.modSeq();

        FlagUpdate update = await(mailboxes().updateFlags(inbox.id(), UidSet.ALL, FlagOperation.ADD,
                Flags.of(SystemFlag.FLAGGED), seen));

        assertThat(update.changed()).extracting(MessageRecord::uid).containsExactly(a.uid());
        assertThat(update.modified()).containsExactly(b.uid());
        assertThat(all(inbox).get(1).flags()).isEqualTo(Flags.NONE);
        assertThat(all(inbox).get(1).modSeq()).isEqualTo(b.modSeq());
    }

    @Test
    void changesSinceListsChangedMessagesAndVanishedUids() {
        Mailbox inbox = inbox();
        AppendResult a = append(inbox, "one");
        AppendResult b = append(inbox, "two");
        AppendResult c = append(inbox, "three");
        long since = c.modSeq();
        await(mailboxes().updateFlags(inbox.id(), UidSet.single(a.uid()), FlagOperation.ADD, Flags.of("\\Seen"), -1));
        await(mailboxes().expunge(inbox.id(), UidSet.single(b.uid()), false));
        AppendResult d = append(inbox, "four");

        Changes changes = await(mailboxes().changesSince(inbox.id(), since));

        assertThat(changes.changed()).extracting(MessageRecord::uid).containsExactly(a.uid(), d.uid());
        assertThat(changes.vanished()).containsExactly(b.uid());
        assertThat(changes.highestModSeq()).isEqualTo(d.modSeq());
        Changes everything = await(mailboxes().changesSince(inbox.id(), 0));
        assertThat(everything.changed()).extracting(MessageRecord::uid).containsExactly(a.uid(), c.uid(), d.uid());
        assertThat(await(mailboxes().changesSince(inbox.id(), d.modSeq())).changed()).isEmpty();
    }

    @Test
    void expungeRemovesOnlyDeletedMessagesUnlessToldOtherwise() {
        Mailbox inbox = inbox();
        AppendResult a = append(inbox, "one", SystemFlag.DELETED);
        AppendResult b = append(inbox, "two");
        AppendResult c = append(inbox, "three", SystemFlag.DELETED);

        assertThat(await(mailboxes().expunge(inbox.id(), UidSet.ALL, true))).containsExactly(a.uid(), c.uid());
        assertThat(uids(inbox)).containsExactly(b.uid());
        assertThat(await(mailboxes().expunge(inbox.id(), UidSet.ALL, false))).containsExactly(b.uid());
        assertThat(uids(inbox)).isEmpty();
    }

    @Test
    void expungeMessagesAnswersTheRecordsAsTheyWere() {
        Mailbox inbox = inbox();
        AppendResult a = append(inbox, "one", SystemFlag.DELETED, SystemFlag.SEEN);
        append(inbox, "two");

        List<MessageRecord> gone = await(mailboxes().expungeMessages(inbox.id(), UidSet.ALL, true));

        assertThat(gone).extracting(MessageRecord::uid).containsExactly(a.uid());
        assertThat(gone.get(0).flags()).isEqualTo(Flags.of(SystemFlag.DELETED, SystemFlag.SEEN));
        assertThat(gone.get(0).modSeq()).isEqualTo(a.modSeq());
    }

    @Test
    void messagesReturnsTheRequestedUidsAscending() {
        Mailbox inbox = inbox();
        List<Long> uids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            uids.add(append(inbox, "m" + i).uid());
        }

        List<MessageRecord> some = await(mailboxes().messages(inbox.id(), UidSet.of(new UidSet.Range(uids.get(4),
                Long.MAX_VALUE), new UidSet.Range(uids.get(0), uids.get(1)))));

        assertThat(some).extracting(MessageRecord::uid).containsExactly(uids.get(0), uids.get(1), uids.get(4),
                uids.get(5));
    }

    @Test
    void copySharesBlobsKeepsFlagsAndReturnsTheUidMapping() {
        Mailbox inbox = inbox();
        Mailbox work = create("Work");
        append(work, "existing");
        AppendResult a = append(inbox, "one", SystemFlag.SEEN);
        AppendResult b = append(inbox, "two");

        CopyResult result = await(mailboxes().copy(inbox.id(), UidSet.ALL, work.id()));

        assertThat(result.targetUidValidity()).isEqualTo(work.uidValidity());
        assertThat(result.sourceUids()).containsExactly(a.uid(), b.uid());
        assertThat(result.targetUids()).hasSize(2).isSorted().doesNotHaveDuplicates();
        List<MessageRecord> copies = await(mailboxes().messages(work.id(), UidSet.ofUids(result.targetUids())));
        List<MessageRecord> originals = all(inbox);
        assertThat(copies).extracting(MessageRecord::blob).containsExactlyElementsOf(
                originals.stream().map(MessageRecord::blob).toList());
        assertThat(copies).extracting(MessageRecord::flags).containsExactly(Flags.of(SystemFlag.SEEN), Flags.NONE);
        assertThat(copies).extracting(MessageRecord::internalDate).containsOnly(DATE);
        assertThat(originals).hasSize(2);
    }

    @Test
    void copyIntoAMissingMailboxIsNotFound() {
        Mailbox inbox = inbox();
        Mailbox work = create("Work");
        append(inbox, "one");
        await(mailboxes().delete(ALICE, WORK));

        assertFails(mailboxes().copy(inbox.id(), UidSet.ALL, work.id()), Kind.NOT_FOUND);
    }

    @Test
    void moveCopiesThenExpungesTheSources() {
        Mailbox inbox = inbox();
        Mailbox work = create("Work");
        AppendResult a = append(inbox, "one");
        AppendResult b = append(inbox, "two");
        long before = status(inbox).highestModSeq();

        CopyResult result = await(mailboxes().move(inbox.id(), UidSet.single(a.uid()), work.id()));

        assertThat(result.sourceUids()).containsExactly(a.uid());
        assertThat(uids(inbox)).containsExactly(b.uid());
        assertThat(uids(work)).isEqualTo(result.targetUids());
        assertThat(await(mailboxes().changesSince(inbox.id(), before)).vanished()).containsExactly(a.uid());
    }

    @Test
    void aMoveIntoAMissingMailboxChangesNothing() {
        Mailbox inbox = inbox();
        Mailbox work = create("Work");
        append(inbox, "one");
        await(mailboxes().delete(ALICE, WORK));
        MailboxStatus before = status(inbox);

        assertFails(mailboxes().move(inbox.id(), UidSet.ALL, work.id()), Kind.NOT_FOUND);

        assertThat(status(inbox)).isEqualTo(before);
    }

    @Test
    void anAppendWithAUsedDeliveryKeyIsADuplicate() {
        Mailbox inbox = inbox();
        StoredBlob blob = putBlob("delivered once");
        AppendResult first = await(mailboxes().append(inbox.id(), delivery(blob, "spool1/alice@example.test")));

        AppendResult second = await(mailboxes().append(inbox.id(), delivery(blob, "spool1/alice@example.test")));

        assertThat(second.duplicate()).isTrue();
        assertThat(second.uid()).isEqualTo(first.uid());
        assertThat(second.mailbox()).isEqualTo(first.mailbox());
        assertThat(second.uidValidity()).isEqualTo(first.uidValidity());
        assertThat(status(inbox).messages()).isEqualTo(1);
        assertThat(await(mailboxes().append(inbox.id(), delivery(blob, "spool1/bob@example.test"))).duplicate())
                .isFalse();
    }

    @Test
    void aDeliveryKeyStaysUsedAfterTheMessageIsExpungedAndAfterReopening() throws Exception {
        Mailbox inbox = inbox();
        AppendResult first = await(mailboxes().append(inbox.id(), delivery(putBlob("x"), "k1")));
        await(mailboxes().expunge(inbox.id(), UidSet.ALL, false));
        reopen();

        AppendResult again = await(mailboxes().append(inbox.id(), delivery(putBlob("x"), "k1")));

        assertThat(again.duplicate()).isTrue();
        assertThat(again.uid()).isEqualTo(first.uid());
        assertThat(status(inbox).messages()).isZero();
    }

    @Test
    void statusCountsMessagesUnseenDeletedSizeAndCounters() {
        Mailbox inbox = inbox();
        MailboxStatus empty = status(inbox);
        assertThat(empty.messages()).isZero();
        assertThat(empty.highestModSeq()).isZero();
        assertThat(empty.uidValidity()).isEqualTo(inbox.uidValidity());

        append(inbox, "12345", SystemFlag.SEEN);
        append(inbox, "123", SystemFlag.DELETED);
        AppendResult last = append(inbox, "1");

        MailboxStatus s = status(inbox);
        assertThat(s.messages()).isEqualTo(3);
        assertThat(s.unseen()).isEqualTo(2);
        assertThat(s.deleted()).isEqualTo(1);
        assertThat(s.size()).isEqualTo(9);
        assertThat(s.uidNext()).isGreaterThan(last.uid());
        assertThat(s.highestModSeq()).isEqualTo(last.modSeq());
    }

    @Test
    void quotaUsageSumsAllMailboxesOfTheUser() {
        Mailbox inbox = inbox();
        Mailbox work = create("Work");
        append(inbox, "12345");
        append(work, "123");
        await(mailboxes().copy(work.id(), UidSet.ALL, inbox.id()));
        await(mailboxes().provision(BOB));
        append(await(mailboxes().find(BOB, MailboxPath.INBOX)).orElseThrow(), "bob's");

        assertThat(await(mailboxes().quotaUsage(ALICE))).isEqualTo(new QuotaUsage(11, 3));
    }

    @Test
    void mailboxDataSurvivesReopening() throws Exception {
        Mailbox inbox = inbox();
        Mailbox work = create("Work");
        append(inbox, "one", SystemFlag.SEEN);
        AppendResult b = append(inbox, "two");
        await(mailboxes().expunge(inbox.id(), UidSet.single(b.uid()), false));
        List<MessageRecord> messages = all(inbox);
        MailboxStatus status = status(inbox);
        List<Mailbox> list = await(mailboxes().list(ALICE));

        reopen();

        assertThat(await(mailboxes().list(ALICE))).isEqualTo(list).contains(work);
        assertThat(all(inbox)).isEqualTo(messages);
        assertThat(status(inbox)).isEqualTo(status);
        assertThat(await(mailboxes().changesSince(inbox.id(), b.modSeq())).vanished()).containsExactly(b.uid());
        assertThat(await(mailboxes().subscriptions(ALICE))).hasSize(6);
    }

    @Test
    void concurrentAppendsGetDistinctUidsAscendingInTheOrderTheyCompleted() throws Exception {
        Mailbox inbox = inbox();
        StoredBlob blob = putBlob("shared body");
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Long> uids = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        mine.add(await(mailboxes().append(inbox.id(), message(blob, Flags.NONE))).uid());
                    }
                    // Each append started after the previous one completed, so its UID is higher.
                    assertThat(mine).isSorted().doesNotHaveDuplicates();
                    uids.addAll(mine);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }

        List<Long> sorted = uids.stream().sorted().toList();
        assertThat(sorted).doesNotHaveDuplicates().hasSize(threads * perThread);
        assertThat(uids(inbox)).isEqualTo(sorted);
        assertThat(all(inbox)).extracting(MessageRecord::modSeq).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void theRecentMarkIsClaimedOnceAndNeverMovesDown() throws Exception {
        Mailbox inbox = inbox();
        assertThat(await(mailboxes().claimRecent(inbox.id(), 3))).isZero();
        assertThat(await(mailboxes().claimRecent(inbox.id(), 5))).isEqualTo(3);
        assertThat(await(mailboxes().claimRecent(inbox.id(), 2))).isEqualTo(5);
        assertThat(await(mailboxes().claimRecent(inbox.id(), 5))).isEqualTo(5);
        AppendResult appended = append(inbox, "kept across appends");
        assertThat(await(mailboxes().claimRecent(inbox.id(), appended.uid()))).isEqualTo(5);

        reopen();
        assertThat(await(mailboxes().claimRecent(inbox.id(), 0))).isEqualTo(Math.max(5, appended.uid()));
        Mailbox work = create("Work");
        await(mailboxes().delete(ALICE, WORK));
        assertFails(mailboxes().claimRecent(work.id(), 1), Kind.NOT_FOUND);
    }

    @Test
    void concurrentClaimsOfTheRecentMarkNeverOverlap() throws Exception {
        Mailbox inbox = inbox();
        List<java.util.concurrent.CompletableFuture<Long>> claims = new ArrayList<>();
        for (long uid = 1; uid <= 30; uid++) {
            claims.add(mailboxes().claimRecent(inbox.id(), uid).toCompletableFuture());
        }
        // Each claim owns (previous mark, its uid]: no UID is recent for two claimants.
        java.util.Set<Long> owned = new java.util.HashSet<>();
        for (int i = 0; i < claims.size(); i++) {
            long before = await(claims.get(i));
            for (long uid = before + 1; uid <= i + 1; uid++) {
                assertThat(owned.add(uid)).as("UID %d claimed twice", uid).isTrue();
            }
        }
        assertThat(owned).hasSize(30);
    }

    @Test
    void aMailboxCreatedForARestoreKeepsTheGivenUidValidity() {
        Mailbox restored = await(mailboxes().create(ALICE, WORK, Set.of(SpecialUse.ARCHIVE), 1_234_567L));

        assertThat(restored.uidValidity()).isEqualTo(1_234_567L);
        assertThat(status(restored).uidValidity()).isEqualTo(1_234_567L);
        assertThat(await(mailboxes().find(ALICE, WORK))).contains(restored);
        assertFails(mailboxes().create(ALICE, WORK, Set.of(), 7L), Kind.CONFLICT);
        assertFails(mailboxes().create(ALICE, MailboxPath.parse("Other"), Set.of(), 0L), Kind.INVALID);
    }

    @Test
    void restoredMessagesKeepTheirUidsAndGetNewModSeqs() {
        Mailbox work = await(mailboxes().create(ALICE, WORK, Set.of(), 99L));
        StoredBlob a = putBlob("restored a");
        StoredBlob b = putBlob("restored b");
        long before = status(work).highestModSeq();

        await(mailboxes().restore(work.id(), List.of(
                new MailboxStore.RestoredMessage(3, message(a, Flags.of(SystemFlag.SEEN))),
                new MailboxStore.RestoredMessage(7, message(b, Flags.of(new SystemFlag[0])))), 12));

        List<MessageRecord> all = all(work);
        assertThat(all).extracting(MessageRecord::uid).containsExactly(3L, 7L);
        assertThat(all.get(0).flags().contains(SystemFlag.SEEN)).isTrue();
        assertThat(all.get(1).blob()).isEqualTo(b);
        assertThat(all.get(0).modSeq()).isGreaterThan(before);
        assertThat(all.get(1).modSeq()).isGreaterThan(all.get(0).modSeq());
        MailboxStatus status = status(work);
        assertThat(status.uidNext()).isEqualTo(12);
        assertThat(status.messages()).isEqualTo(2);
        assertThat(status.unseen()).isEqualTo(1);
        assertThat(status.size()).isEqualTo(a.size() + b.size());
        assertThat(await(mailboxes().changesSince(work.id(), before)).changed()).extracting(MessageRecord::uid)
                .containsExactly(3L, 7L);
        assertThat(await(storage.blobReferences().isReferenced(a.id()))).isTrue();
        // The next append goes above the restored UIDNEXT, and the blob is shared with its original.
        assertThat(append(work, "new").uid()).isEqualTo(12);
    }

    @Test
    void aRestoreNeverPutsAUidBelowOneAClientMayHaveSeen() {
        Mailbox work = await(mailboxes().create(ALICE, WORK, Set.of(), 99L));
        append(work, "one");
        append(work, "two");

        assertFails(mailboxes().restore(work.id(), List.of(
                new MailboxStore.RestoredMessage(2, message(putBlob("x"), Flags.of(new SystemFlag[0])))), 3), Kind.INVALID);
        await(mailboxes().restore(work.id(), List.of(
                new MailboxStore.RestoredMessage(3, message(putBlob("three"), Flags.of(new SystemFlag[0])))), 3));

        assertThat(uids(work)).containsExactly(1L, 2L, 3L);
        assertThat(status(work).uidNext()).isEqualTo(4);
    }

    @Test
    void aMailboxThatNeverHeldAMessageTakesTheUidValidityItHadElsewhere() {
        Mailbox inbox = inbox();

        assertThat(await(mailboxes().adoptUidValidity(inbox, 4242L))).isTrue();

        Mailbox adopted = await(mailboxes().find(ALICE, MailboxPath.INBOX)).orElseThrow();
        assertThat(adopted.uidValidity()).isEqualTo(4242L);
        assertThat(status(adopted).uidValidity()).isEqualTo(4242L);
        assertThat(append(adopted, "first").uidValidity()).isEqualTo(4242L);
        assertThat(await(mailboxes().adoptUidValidity(adopted, 4343L))).as("once used, never").isFalse();
        assertThat(status(adopted).uidValidity()).isEqualTo(4242L);
    }
}
