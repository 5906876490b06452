package io.yubin.pop3;

import io.yubin.store.MailboxId;
import io.yubin.store.MessageRecord;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The INBOX as it was when the session logged in (RFC 1939 §5: message numbers are fixed for the
 * session), with the messages marked deleted so far. Messages that arrive later are not seen until
 * the next session.
 */
final class Maildrop {

    private final MailboxId mailbox;
    private final long uidValidity;
    private final List<MessageRecord> messages;
    private final BitSet deleted = new BitSet();

    Maildrop(MailboxId mailbox, long uidValidity, List<MessageRecord> messages) {
        this.mailbox = mailbox;
        this.uidValidity = uidValidity;
        this.messages = List.copyOf(messages);
    }

    MailboxId mailbox() {
        return mailbox;
    }

    /** All message numbers, deleted or not. */
    int size() {
        return messages.size();
    }

    /** Messages not marked deleted. */
    int count() {
        return messages.size() - deleted.cardinality();
    }

    /** Octets of the messages not marked deleted. */
    long octets() {
        long sum = 0;
        for (int n = 1; n <= messages.size(); n++) {
            if (!isDeleted(n)) {
                sum += messages.get(n - 1).size();
            }
        }
        return sum;
    }

    /** Whether {@code n} names a message of the snapshot that is not marked deleted. */
    boolean isLive(long n) {
        return n >= 1 && n <= messages.size() && !isDeleted((int) n);
    }

    boolean isDeleted(int n) {
        return deleted.get(n - 1);
    }

    /** Whether {@code n} is in the snapshot but marked deleted. */
    boolean wasDeleted(long n) {
        return n >= 1 && n <= messages.size() && isDeleted((int) n);
    }

    MessageRecord message(long n) {
        return messages.get((int) n - 1);
    }

    /** RFC 1939 §7 UIDL: stable across sessions and members, never reused (UIDs are not, RFC 9051). */
    String uniqueId(long n) {
        return uidValidity + "." + message(n).uid();
    }

    void markDeleted(long n) {
        deleted.set((int) n - 1);
    }

    void unmarkAll() {
        deleted.clear();
    }

    /** The UIDs marked deleted, ascending. */
    List<Long> deletedUids() {
        List<Long> uids = new ArrayList<>();
        deleted.stream().forEach(i -> uids.add(messages.get(i).uid()));
        return uids;
    }
}
