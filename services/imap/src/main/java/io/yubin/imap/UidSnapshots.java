package io.yubin.imap;

import io.yubin.store.MailboxId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The UID lists of recently selected mailboxes, per server, keyed by mailbox and HIGHESTMODSEQ: every
 * change takes a new MODSEQ, so an equal HIGHESTMODSEQ means the same messages. Sessions selecting
 * the same unchanged mailbox share one array instead of holding one each (10,000 IDLE clients on a
 * large INBOX would otherwise hold 10,000 copies). Least recently used entries go first.
 *
 * <p>With the UIDs go what SELECT tells of that state besides them: the keywords in use (the FLAGS
 * response) and the first message without \Seen (IMAP4rev1's {@code OK [UNSEEN n]}).
 */
final class UidSnapshots {

    private static final int MAX_ENTRIES = 1024;

    private record Key(MailboxId mailbox, long highestModSeq) {
    }

    /**
     * One mailbox state.
     *
     * @param uids ascending; shared, never written
     * @param keywords the keywords set on any message
     * @param firstUnseen the UID of the first message without \Seen, 0 when there is none
     */
    record Snapshot(long[] uids, Set<String> keywords, long firstUnseen) {
    }

    private final Map<Key, Snapshot> entries = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Snapshot> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    synchronized Snapshot get(MailboxId mailbox, long highestModSeq) {
        return entries.get(new Key(mailbox, highestModSeq));
    }

    synchronized void put(MailboxId mailbox, long highestModSeq, Snapshot snapshot) {
        entries.put(new Key(mailbox, highestModSeq), snapshot);
    }
}
