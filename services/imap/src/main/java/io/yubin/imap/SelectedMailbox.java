package io.yubin.imap;

import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A session's view of its selected mailbox (RFC 9051 §2.3.1.2): message sequence numbers are
 * positions in the ascending UID list, and change only when this session is told of an expunge.
 */
final class SelectedMailbox {

    final Mailbox mailbox;
    final boolean readOnly;
    private final List<Long> uids = new ArrayList<>();
    private final Map<Long, MessageRecord> records = new HashMap<>();
    long highestModSeq;
    long uidNext;

    SelectedMailbox(Mailbox mailbox, boolean readOnly, List<MessageRecord> messages, long highestModSeq,
            long uidNext) {
        this.mailbox = mailbox;
        this.readOnly = readOnly;
        for (MessageRecord r : messages) {
            uids.add(r.uid());
            records.put(r.uid(), r);
        }
        this.highestModSeq = highestModSeq;
        this.uidNext = uidNext;
    }

    int count() {
        return uids.size();
    }

    long maxUid() {
        return uids.isEmpty() ? 0 : uids.get(uids.size() - 1);
    }

    /** 1-based sequence number of a UID, or 0 when it is not in the view. */
    int msn(long uid) {
        int i = Collections.binarySearch(uids, uid);
        return i < 0 ? 0 : i + 1;
    }

    long uid(int msn) {
        return uids.get(msn - 1);
    }

    MessageRecord record(long uid) {
        return records.get(uid);
    }

    /** The records named by a UID set (uid = true) or sequence set, ascending. */
    List<MessageRecord> resolve(UidSet set, boolean uid) {
        List<MessageRecord> out = new ArrayList<>();
        if (uid) {
            for (long u : uids) {
                if (set.contains(u)) {
                    out.add(records.get(u));
                }
            }
        } else {
            for (UidSet.Range r : set.ranges()) {
                long last = Math.min(r.last(), uids.size());
                for (long n = r.first(); n <= last; n++) {
                    out.add(records.get(uids.get((int) n - 1)));
                }
            }
        }
        return out;
    }

    /** A sequence set naming numbers above the message count is invalid (RFC 9051 §9 seq-number). */
    boolean sequenceInRange(UidSet set) {
        for (UidSet.Range r : set.ranges()) {
            if (r.last() > uids.size()) {
                return false;
            }
        }
        return true;
    }

    List<MessageRecord> all() {
        List<MessageRecord> out = new ArrayList<>(uids.size());
        for (long u : uids) {
            out.add(records.get(u));
        }
        return out;
    }

    /** Adds a message that appeared (UIDs only grow, ARCHITECTURE.md §4.3). */
    void add(MessageRecord r) {
        if (records.containsKey(r.uid())) {
            records.put(r.uid(), r);
            return;
        }
        if (!uids.isEmpty() && r.uid() < maxUid()) {
            int i = -Collections.binarySearch(uids, r.uid()) - 1;
            uids.add(i, r.uid());
        } else {
            uids.add(r.uid());
        }
        records.put(r.uid(), r);
        uidNext = Math.max(uidNext, r.uid() + 1);
    }

    void update(MessageRecord r) {
        if (records.containsKey(r.uid())) {
            records.put(r.uid(), r);
        }
    }

    /** Removes an expunged UID; its former sequence number, or 0 when it was not in the view. */
    int remove(long uid) {
        int msn = msn(uid);
        if (msn > 0) {
            uids.remove(msn - 1);
            records.remove(uid);
        }
        return msn;
    }
}
