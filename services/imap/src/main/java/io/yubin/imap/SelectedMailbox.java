package io.yubin.imap;

import io.yubin.store.Mailbox;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A session's view of its selected mailbox (RFC 9051 §2.3.1.2): message sequence numbers are
 * positions in the ascending UID list, and change only when this session is told of an expunge.
 *
 * <p>The view is the UIDs only (8 octets a message); flags and the rest are read from the store
 * when a command needs them. Sessions that select a mailbox in the same state share one array
 * ({@link UidSnapshots}); a session copies it before its first change (copy on write).
 */
final class SelectedMailbox {

    final Mailbox mailbox;
    final boolean readOnly;
    private long[] uids;
    private int count;
    private boolean shared;
    long highestModSeq;
    long uidNext;
    /** UIDs that are \Recent in this session (IMAP4rev1, RFC 3501 §2.3.2); read on blob workers too. */
    private final List<UidSet.Range> recent = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** {@code uids} ascending; shared with other sessions and never written here. */
    SelectedMailbox(Mailbox mailbox, boolean readOnly, long[] uids, long highestModSeq, long uidNext) {
        this.mailbox = mailbox;
        this.readOnly = readOnly;
        this.uids = uids;
        this.count = uids.length;
        this.shared = true;
        this.highestModSeq = highestModSeq;
        this.uidNext = uidNext;
    }

    int count() {
        return count;
    }

    /** The UIDs above {@code after} and up to {@code upto} are \Recent here (nothing when upto <= after). */
    void addRecent(long after, long upto) {
        if (upto > after) {
            recent.add(new UidSet.Range(after + 1, upto));
        }
    }

    boolean isRecent(long uid) {
        for (UidSet.Range r : recent) {
            if (r.contains(uid)) {
                return true;
            }
        }
        return false;
    }

    /** How many messages in the view are \Recent here (the RECENT response). */
    int recentCount() {
        if (recent.isEmpty()) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < count; i++) {
            n += isRecent(uids[i]) ? 1 : 0;
        }
        return n;
    }

    long maxUid() {
        return count == 0 ? 0 : uids[count - 1];
    }

    /** 1-based sequence number of a UID, or 0 when it is not in the view. */
    int msn(long uid) {
        int i = Arrays.binarySearch(uids, 0, count, uid);
        return i < 0 ? 0 : i + 1;
    }

    long uid(int msn) {
        return uids[msn - 1];
    }

    /** The UIDs in the view named by a UID set (uid = true) or a sequence set, ascending. */
    List<Long> resolve(UidSet set, boolean uid) {
        List<Long> out = new ArrayList<>();
        if (uid) {
            for (UidSet.Range r : set.ranges()) {
                int from = Arrays.binarySearch(uids, 0, count, r.first());
                from = from < 0 ? -from - 1 : from;
                for (int i = from; i < count && uids[i] <= r.last(); i++) {
                    out.add(uids[i]);
                }
            }
        } else {
            for (UidSet.Range r : set.ranges()) {
                long last = Math.min(r.last(), count);
                for (long n = r.first(); n <= last; n++) {
                    out.add(uids[(int) n - 1]);
                }
            }
        }
        return out;
    }

    /** A sequence set naming numbers above the message count is invalid (RFC 9051 §9 seq-number). */
    boolean sequenceInRange(UidSet set) {
        for (UidSet.Range r : set.ranges()) {
            if (r.last() > count) {
                return false;
            }
        }
        return true;
    }

    /** Adds a UID that appeared (UIDs only grow, ARCHITECTURE.md §4.3); false when it was there. */
    boolean add(long uid) {
        int i = Arrays.binarySearch(uids, 0, count, uid);
        if (i >= 0) {
            return false;
        }
        own(count + 1);
        int at = -i - 1;
        System.arraycopy(uids, at, uids, at + 1, count - at);
        uids[at] = uid;
        count++;
        uidNext = Math.max(uidNext, uid + 1);
        return true;
    }

    /** Removes an expunged UID; its former sequence number, or 0 when it was not in the view. */
    int remove(long uid) {
        int i = Arrays.binarySearch(uids, 0, count, uid);
        if (i < 0) {
            return 0;
        }
        own(count);
        System.arraycopy(uids, i + 1, uids, i, count - i - 1);
        count--;
        return i + 1;
    }

    private void own(int needed) {
        if (shared || needed > uids.length) {
            uids = Arrays.copyOf(uids, Math.max(needed, count + Math.max(16, count / 8)));
            shared = false;
        }
    }
}
