package io.yubin.imap;

import io.yubin.store.MailboxId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The UID lists of recently selected mailboxes, per server, keyed by mailbox and HIGHESTMODSEQ: every
 * change takes a new MODSEQ, so an equal HIGHESTMODSEQ means the same messages. Sessions selecting
 * the same unchanged mailbox share one array instead of holding one each (10,000 IDLE clients on a
 * large INBOX would otherwise hold 10,000 copies). Least recently used entries go first.
 */
final class UidSnapshots {

    private static final int MAX_ENTRIES = 1024;

    private record Key(MailboxId mailbox, long highestModSeq) {
    }

    private final Map<Key, long[]> entries = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, long[]> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    synchronized long[] get(MailboxId mailbox, long highestModSeq) {
        return entries.get(new Key(mailbox, highestModSeq));
    }

    synchronized void put(MailboxId mailbox, long highestModSeq, long[] uids) {
        entries.put(new Key(mailbox, highestModSeq), uids);
    }
}
