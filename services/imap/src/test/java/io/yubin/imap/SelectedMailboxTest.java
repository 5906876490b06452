package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.Mailbox;
import io.yubin.store.BlobId;
import io.yubin.store.Changes;
import io.yubin.store.MailboxId;
import io.yubin.store.MessageRecord;
import io.yubin.store.StoredBlob;
import io.yubin.store.UidSet;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SelectedMailboxTest {

    private static final Mailbox INBOX = new Mailbox(new MailboxId("m1"), MailAddress.parse("a@example.test"),
            MailboxPath.INBOX, 7, Set.of());

    @Test
    void viewsSharingOneArrayCopyBeforeTheirFirstChange() {
        long[] shared = {2, 4, 6, 8};
        SelectedMailbox one = new SelectedMailbox(INBOX, false, shared, 10, 9);
        SelectedMailbox two = new SelectedMailbox(INBOX, false, shared, 10, 9);

        assertThat(one.remove(4)).isEqualTo(2);
        assertThat(one.add(9)).isTrue();
        assertThat(one.add(9)).isFalse();

        assertThat(shared).containsExactly(2, 4, 6, 8);
        assertThat(two.count()).isEqualTo(4);
        assertThat(two.msn(4)).isEqualTo(2);
        assertThat(one.count()).isEqualTo(4);
        assertThat(one.msn(6)).isEqualTo(2);
        assertThat(one.msn(9)).isEqualTo(4);
        assertThat(one.uidNext).isEqualTo(10);
    }

    @Test
    void resolvesUidAndSequenceSetsToTheUidsInTheView() {
        SelectedMailbox view = new SelectedMailbox(INBOX, false, new long[] {3, 5, 9, 12}, 1, 13);
        assertThat(view.resolve(UidSet.of(new UidSet.Range(4, 10)), true)).containsExactly(5L, 9L);
        assertThat(view.resolve(UidSet.of(new UidSet.Range(2, 3)), false)).containsExactly(5L, 9L);
        assertThat(view.resolve(UidSet.ALL, true)).containsExactly(3L, 5L, 9L, 12L);
        assertThat(view.sequenceInRange(UidSet.of(new UidSet.Range(1, 5)))).isFalse();
        assertThat(view.remove(7)).isZero();
        assertThat(List.of(view.uid(1), view.uid(4))).containsExactly(3L, 12L);
    }

    @Test
    void aChangeWhoseFlagsTheClientWasToldBeforeItWasLearnedIsNotToldAgain() {
        SelectedMailbox view = new SelectedMailbox(INBOX, false, new long[] {3, 5}, 10, 6);
        MessageRecord fetched = record(5, 11);

        view.reported(fetched); // a FETCH of FLAGS read the change before its event came
        view.learn(new Changes(List.of(fetched), List.of(), 11));
        assertThat(view.hasPending()).isFalse();

        view.learn(new Changes(List.of(record(5, 12)), List.of(), 12));
        assertThat(view.takeFlagChanges()).extracting(MessageRecord::modSeq).containsExactly(12L);
    }

    private static MessageRecord record(long uid, long modSeq) {
        return new MessageRecord(uid, modSeq, Flags.NONE, Instant.EPOCH, new StoredBlob(new BlobId("b" + uid), 1, "0"));
    }
}
