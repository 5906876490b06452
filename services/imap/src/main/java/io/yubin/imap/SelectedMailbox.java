package io.yubin.imap;

import io.yubin.model.Flags;

import io.yubin.store.Changes;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A session's view of its selected mailbox (RFC 9051 §2.3.1.2): message sequence numbers are
 * positions in the ascending UID list, and change only when this session is told of an expunge.
 *
 * <p>The view is the UIDs only (8 octets a message); flags and the rest are read from the store
 * when a command needs them. Sessions that select a mailbox in the same state share one array
 * ({@link UidSnapshots}); a session copies it before its first change (copy on write).
 *
 * <p>It also owns what the session has learned of the mailbox but not yet told its client (RFC 9051
 * §7.5.1, §5.5): expunges that may not be sent while a FETCH, STORE or SEARCH by sequence number
 * runs, new messages, other sessions' flag changes, and the keywords announced in FLAGS so far (a
 * keyword is announced before the first FETCH that shows it, RFC 9051 §7.3.5).
 */
final class SelectedMailbox {

    final Mailbox mailbox;
    final boolean readOnly;
    private long[] uids;
    private int count;
    private boolean shared;
    /** Every change up to this MODSEQ is known here: told to the client or pending. */
    long highestModSeq;
    long uidNext;
    /** The keywords the client was told of in FLAGS, compared ignoring case as flags are. */
    private final Set<String> announced = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    /** Expunged elsewhere, still in the view until the client may be told. */
    private final TreeSet<Long> pendingExpunges = new TreeSet<>();
    /** Messages above the view, by UID, with the record they arrived with. */
    private final TreeMap<Long, MessageRecord> pendingNew = new TreeMap<>();
    /** Flag changes made elsewhere, by UID (the latest wins). */
    private final TreeMap<Long, MessageRecord> pendingFlags = new TreeMap<>();
    /**
     * Flags of messages still in the view that another session expunged, as far as they are known
     * (the expunging session publishes them; a flag change learned earlier also tells them): what a
     * FETCH may still answer until the client may be told of the expunge (RFC 9051 §7.5.1).
     */
    private final Map<Long, Flags> expungedFlags = new HashMap<>();
    /** MODSEQs of changes not yet learned whose flags the client was already told, by UID. */
    private final Map<Long, Long> reported = new HashMap<>();
    /** UIDs that are \Recent in this session (IMAP4rev1, RFC 3501 §2.3.2); read on blob workers too. */
    private final List<UidSet.Range> recent = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** {@code uids} ascending; shared with other sessions and never written here. */
    SelectedMailbox(Mailbox mailbox, boolean readOnly, long[] uids, long highestModSeq, long uidNext) {
        this(mailbox, readOnly, uids, highestModSeq, uidNext, Set.of());
    }

    /** With the keywords the SELECT response's FLAGS announces. */
    SelectedMailbox(Mailbox mailbox, boolean readOnly, long[] uids, long highestModSeq, long uidNext,
            Collection<String> keywords) {
        // The junk-training keywords are always offered (RFC 5788 registry; the spam filter reads them).
        this.announced.addAll(List.of("$Junk", "$NotJunk"));
        this.announced.addAll(keywords);
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

    /** Adds a UID that appeared (UIDs only grow, docs/architecture.md §4.3); false when it was there. */
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
        expungedFlags.remove(uid);
        int i = Arrays.binarySearch(uids, 0, count, uid);
        if (i < 0) {
            return 0;
        }
        own(count);
        System.arraycopy(uids, i + 1, uids, i, count - i - 1);
        count--;
        return i + 1;
    }

    // ---- what the client is told, and when ----

    /** The FLAGS response and its PERMANENTFLAGS, with every keyword announced so far. */
    String flagsResponse() {
        StringBuilder keywords = new StringBuilder();
        for (String k : announced) {
            keywords.append(' ').append(k);
        }
        return "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft" + keywords + ")\r\n"
                + "* OK [PERMANENTFLAGS (" + (readOnly ? "" : "\\Answered \\Flagged \\Deleted \\Seen \\Draft"
                + keywords + " \\*") + ")] Flags permitted\r\n";
    }

    /**
     * The FLAGS response to send before FETCH responses showing {@code records}, when one of them
     * carries a keyword the client has not been told of; "" otherwise.
     */
    String announce(Collection<MessageRecord> records) {
        return announceFlags(records.stream().map(MessageRecord::flags).toList());
    }

    /** As {@link #announce}, for flags without their records. */
    String announceFlags(Collection<Flags> flags) {
        boolean grew = false;
        for (Flags f : flags) {
            for (String k : f.keywords()) {
                grew |= announced.add(k);
            }
        }
        return grew ? flagsResponse() : "";
    }

    /** Takes in what the store says changed since {@link #highestModSeq}; nothing is told yet. */
    void learn(Changes changes) {
        if (changes.highestModSeq() <= highestModSeq && changes.changed().isEmpty() && changes.vanished().isEmpty()) {
            return;
        }
        for (long uid : changes.vanished()) {
            pendingNew.remove(uid);
            MessageRecord changed = pendingFlags.remove(uid);
            if (msn(uid) > 0) {
                pendingExpunges.add(uid);
                if (changed != null) {
                    expungedFlags.putIfAbsent(uid, changed.flags());
                }
            }
        }
        long known = highestModSeq;
        for (MessageRecord m : changes.changed()) {
            long uid = m.uid();
            if (m.modSeq() <= known || pendingExpunges.contains(uid)) {
                continue;
            }
            if (msn(uid) > 0) {
                Long own = reported.get(uid);
                if (own == null || own != m.modSeq()) {
                    pendingFlags.put(uid, m);
                }
            } else if (uid > maxUid()) {
                // New: UIDs only grow (docs/architecture.md §4.3), so a lower one was expunged already.
                pendingNew.put(uid, m);
            }
        }
        highestModSeq = Math.max(highestModSeq, changes.highestModSeq());
        reported.values().removeIf(modSeq -> modSeq <= highestModSeq);
    }

    /**
     * Notes flags the client was told in a command's response: its own STORE's, or a FETCH of FLAGS
     * that read another session's change before this session learned of it. That change is not told
     * again when it is learned.
     */
    void reported(MessageRecord m) {
        MessageRecord pending = pendingFlags.get(m.uid());
        if (pending != null && pending.modSeq() <= m.modSeq()) {
            pendingFlags.remove(m.uid());
        }
        if (m.modSeq() > highestModSeq) {
            reported.put(m.uid(), m.modSeq());
        }
    }

    boolean hasPending() {
        return !pendingExpunges.isEmpty() || !pendingNew.isEmpty() || !pendingFlags.isEmpty();
    }

    /** Expunged elsewhere and not yet told: may go out now (never during FETCH/STORE/SEARCH by number). */
    List<Long> takeExpunges() {
        List<Long> out = new ArrayList<>(pendingExpunges);
        pendingExpunges.clear();
        out.forEach(expungedFlags::remove);
        return out;
    }

    /** Another session expunged {@code uid} with these flags; kept while the UID is in the view. */
    void expungedElsewhere(long uid, Flags flags) {
        if (flags != null && msn(uid) > 0) {
            expungedFlags.put(uid, flags);
        }
    }

    /** The flags {@code uid} had when another session expunged it, or null when not known. */
    Flags flagsOfExpunged(long uid) {
        return msn(uid) > 0 ? expungedFlags.get(uid) : null;
    }

    /** New messages not yet in the view, with their records; the caller adds them and sends EXISTS. */
    List<MessageRecord> takeNew() {
        List<MessageRecord> out = new ArrayList<>(pendingNew.values());
        pendingNew.clear();
        return out;
    }

    /** Other sessions' flag changes to messages still in the view. */
    List<MessageRecord> takeFlagChanges() {
        List<MessageRecord> out = new ArrayList<>();
        for (MessageRecord m : pendingFlags.values()) {
            if (msn(m.uid()) > 0) {
                out.add(m);
            }
        }
        pendingFlags.clear();
        return out;
    }

    private void own(int needed) {
        if (shared || needed > uids.length) {
            uids = Arrays.copyOf(uids, Math.max(needed, count + Math.max(16, count / 8)));
            shared = false;
        }
    }
}
