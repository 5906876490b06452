package io.yubin.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxId;
import io.yubin.store.UidSet;
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
}
