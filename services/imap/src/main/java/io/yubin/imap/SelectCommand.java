package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Atom;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.imap.search.SearchResult;
import io.yubin.model.MailboxPath;
import io.yubin.model.SystemFlag;
import io.yubin.store.Mailbox;
import io.yubin.store.MailboxStatus;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeSet;

/**
 * SELECT and EXAMINE (RFC 9051 §6.3.2-3), with CONDSTORE (RFC 7162 §3.1.8) and QRESYNC (§3.2.5),
 * \Recent and {@code OK [UNSEEN n]} for IMAP4rev1 clients (RFC 3501 §6.3.1).
 */
final class SelectCommand {

    private SelectCommand() {
    }

    static Future<Void> select(ImapSession session, Request r, boolean readOnly) {
        List<Token> a = r.args();
        if (a.isEmpty() || a.size() > 2) {
            throw new ImapParseException("SELECT takes a mailbox name and optional parameters");
        }
        boolean condstore = false;
        long qValidity = -1;
        long qModSeq = -1;
        UidSet qKnown = null;
        SeqMatch qMatch = null;
        if (a.size() == 2) {
            if (!(a.get(1) instanceof ListToken params)) {
                throw new ImapParseException("Invalid SELECT parameters");
            }
            List<Token> items = params.items();
            for (int k = 0; k < items.size(); k++) {
                String name = ImapSession.astring(items.get(k));
                if (name.equalsIgnoreCase("CONDSTORE")) {
                    condstore = true;
                } else if (name.equalsIgnoreCase("QRESYNC") && k + 1 < items.size()
                        && items.get(k + 1) instanceof ListToken q && q.items().size() >= 2) {
                    // RFC 7162 §3.2.5: (uidvalidity modseq [known-uids [seq-match]])
                    if (!session.qresync) {
                        throw new ImapParseException("QRESYNC must be enabled first");
                    }
                    qValidity = ImapSession.number(q.items().get(0));
                    qModSeq = ImapSession.number(q.items().get(1));
                    int next = 2;
                    if (q.items().size() > next && q.items().get(next) instanceof Atom known) {
                        qKnown = ImapSession.sequenceSet(known).resolve(Long.MAX_VALUE - 1);
                        next++;
                    }
                    if (q.items().size() > next && q.items().get(next) instanceof ListToken match) {
                        qMatch = seqMatch(match);
                        next++;
                    }
                    if (q.items().size() != next) {
                        throw new ImapParseException("Invalid QRESYNC parameter");
                    }
                    k++;
                } else {
                    throw new ImapParseException("Unsupported SELECT parameter " + name);
                }
            }
        }
        if (session.selected != null && session.qresync) {
            // RFC 7162 §3.2.11: the previous mailbox is closed before the new one's responses.
            session.client.write("* OK [CLOSED] Previous mailbox closed\r\n");
        }
        // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected.
        session.selected = null;
        session.state = ImapSession.State.AUTHENTICATED;
        if (condstore) {
            // Nothing is selected now, so the SELECT response itself carries HIGHESTMODSEQ.
            session.enableCondstore();
        }
        MailboxPath p = session.existingPath(a.get(0));
        long validity = qValidity;
        long modSeq = qModSeq;
        UidSet known = qKnown;
        SeqMatch match = qMatch;
        return session.f(session.mailboxes.find(session.user, p)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[NONEXISTENT] No such mailbox");
            }
            Mailbox m = found.get();
            return session.f(session.mailboxes.status(m.id())).compose(st -> snapshot(session, m, st)
                    .compose(snapshot -> recentMark(session, m, readOnly, st.uidNext() - 1).compose(recentAfter -> {
                        SelectedMailbox s = new SelectedMailbox(m, readOnly, snapshot.uids(), st.highestModSeq(),
                                st.uidNext(), snapshot.keywords());
                        s.addRecent(recentAfter, st.uidNext() - 1);
                        session.selected = s;
                        session.state = ImapSession.State.SELECTED;
                        session.changed = false;
                        StringBuilder out = new StringBuilder(s.flagsResponse());
                        out.append("* ").append(s.count()).append(" EXISTS\r\n");
                        if (!session.rev2) {
                            out.append("* ").append(s.recentCount()).append(" RECENT\r\n");
                            int unseen = snapshot.firstUnseen() == 0 ? 0 : s.msn(snapshot.firstUnseen());
                            if (unseen > 0) {
                                // RFC 3501 §6.3.1 (IMAP4rev1 only; RFC 9051 dropped it).
                                out.append("* OK [UNSEEN ").append(unseen).append("] First unseen\r\n");
                            }
                        }
                        out.append("* OK [UIDVALIDITY ").append(st.uidValidity()).append("] UIDs valid\r\n")
                                .append("* OK [UIDNEXT ").append(st.uidNext()).append("] Predicted next UID\r\n")
                                .append("* OK [HIGHESTMODSEQ ").append(st.highestModSeq()).append("] Highest\r\n");
                        if (session.rev2) {
                            // RFC 9051 §6.3.2: the mailbox's name as the server has it (IMAP4rev2 only).
                            out.append("* LIST () \"/\" ").append(session.name(m.path())).append("\r\n");
                        }
                        session.client.write(out.toString());
                        String done = (readOnly ? "[READ-ONLY] EXAMINE" : "[READ-WRITE] SELECT") + " completed";
                        if (validity < 0 || validity != st.uidValidity()) {
                            return session.ok(r, done);
                        }
                        return resync(session, s, modSeq, known, match).compose(v -> session.ok(r, done));
                    })));
        });
    }

    /** RFC 7162 §3.2.5.1: what vanished and what changed since the client's MODSEQ. */
    private static Future<Void> resync(ImapSession session, SelectedMailbox s, long modSeq, UidSet known,
            SeqMatch match) {
        return session.f(session.mailboxes.changesSince(s.mailbox.id(), modSeq)).map(changes -> {
            StringBuilder out = new StringBuilder();
            long matched = match == null ? 0 : match.matchedUpTo(s);
            // A UID still in this selection's view (expunged after the view was read) is not VANISHED
            // (EARLIER): EXISTS counted it, and its expunge is told as any other, by a VANISHED that
            // lowers the count. Told here, a client would drop it from its cache and miscount.
            List<Long> vanished = changes.vanished().stream()
                    .filter(u -> u > matched && (known == null || known.contains(u)) && s.msn(u) <= 0).toList();
            if (!vanished.isEmpty()) {
                out.append("* VANISHED (EARLIER) ").append(SearchResult.renderSequence(vanished)).append("\r\n");
            }
            for (MessageRecord changed : changes.changed()) {
                int msn = s.msn(changed.uid());
                if (msn > 0) {
                    out.append("* ").append(msn).append(" FETCH (UID ").append(changed.uid())
                            .append(" FLAGS ").append(ImapSession.flagsOf(s, changed)).append(" MODSEQ (")
                            .append(changed.modSeq()).append("))\r\n");
                }
            }
            session.client.write(out.toString());
            return null;
        });
    }

    /**
     * Where \Recent starts for a new selection: IMAP4rev1 SELECT takes the messages up to
     * {@code upto} that no session has seen as recent; EXAMINE shows them without taking them (RFC
     * 3501 §6.3.2); IMAP4rev2 has no \Recent (RFC 9051 Appendix E).
     */
    private static Future<Long> recentMark(ImapSession session, Mailbox m, boolean readOnly, long upto) {
        if (session.rev2) {
            return Future.succeededFuture(upto);
        }
        return session.f(session.mailboxes.claimRecent(m.id(), readOnly ? 0 : upto));
    }

    /** The mailbox in the state {@code status} describes, shared with other sessions when cached. */
    private static Future<UidSnapshots.Snapshot> snapshot(ImapSession session, Mailbox m, MailboxStatus status) {
        UidSnapshots.Snapshot cached = session.snapshots.get(m.id(), status.highestModSeq());
        if (cached != null) {
            return Future.succeededFuture(cached);
        }
        return session.f(session.mailboxes.messages(m.id(), UidSet.ALL)).map(list -> {
            long[] uids = new long[list.size()];
            Set<String> keywords = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
            long firstUnseen = 0;
            for (int i = 0; i < uids.length; i++) {
                MessageRecord record = list.get(i);
                uids[i] = record.uid();
                keywords.addAll(record.flags().keywords());
                if (firstUnseen == 0 && !record.flags().contains(SystemFlag.SEEN)) {
                    firstUnseen = record.uid();
                }
            }
            UidSnapshots.Snapshot snapshot = new UidSnapshots.Snapshot(uids, Set.copyOf(keywords), firstUnseen);
            // Only a list no later than the status is the state of that HIGHESTMODSEQ.
            if (uids.length == status.messages() && (uids.length == 0 || uids[uids.length - 1] < status.uidNext())) {
                session.snapshots.put(m.id(), status.highestModSeq(), snapshot);
            }
            return snapshot;
        });
    }

    /**
     * RFC 7162 §3.2.5.2 seq-match-data: message numbers the client had and the UIDs it had for them,
     * paired in ascending order.
     */
    record SeqMatch(UidSet msns, UidSet uids) {

        /**
         * The UID of the last pair, before the first that differs, whose message number still names
         * that UID: no message below it can have been expunged without the client seeing it, so
         * VANISHED (EARLIER) leaves out UIDs up to it. 0 when the first pair differs already.
         */
        long matchedUpTo(SelectedMailbox s) {
            long matched = 0;
            Iterator<Long> u = elements(uids);
            for (Iterator<Long> n = elements(msns); n.hasNext() && u.hasNext(); ) {
                long msn = n.next();
                long uid = u.next();
                if (msn < 1 || msn > s.count() || s.uid((int) msn) != uid) {
                    break;
                }
                matched = uid;
            }
            return matched;
        }

        static long size(UidSet set) {
            long n = 0;
            for (UidSet.Range r : set.ranges()) {
                n += r.last() - r.first() + 1;
            }
            return n;
        }

        /** The set's numbers in ascending order, without expanding it. */
        private static Iterator<Long> elements(UidSet set) {
            Iterator<UidSet.Range> ranges = set.ranges().iterator();
            return new Iterator<>() {
                private long next;
                private long last = -1;

                @Override
                public boolean hasNext() {
                    while (next > last && ranges.hasNext()) {
                        UidSet.Range r = ranges.next();
                        next = r.first();
                        last = r.last();
                    }
                    return next <= last;
                }

                @Override
                public Long next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return next++;
                }
            };
        }
    }

    private static SeqMatch seqMatch(ListToken match) {
        if (match.items().size() != 2 || !(match.items().get(0) instanceof Atom msns)
                || !(match.items().get(1) instanceof Atom uids)) {
            throw new ImapParseException("seq-match-data is (known-sequence-set known-uid-set)");
        }
        SeqMatch m = new SeqMatch(ImapSession.sequenceSet(msns).resolve(Long.MAX_VALUE - 1),
                ImapSession.sequenceSet(uids).resolve(Long.MAX_VALUE - 1));
        // RFC 7162 §3.2.5.2: the two sets pair up, so they hold as many numbers each.
        if (SeqMatch.size(m.msns()) != SeqMatch.size(m.uids())) {
            throw new ImapParseException("seq-match-data sets differ in size");
        }
        return m;
    }
}
