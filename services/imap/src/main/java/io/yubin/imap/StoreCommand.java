package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.ImapParseException;
import io.yubin.imap.ImapParser.ListToken;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.imap.search.SearchResult;
import io.yubin.model.Flags;
import io.yubin.queue.MailboxEvent;
import io.yubin.store.FlagUpdate;
import io.yubin.store.MailboxStore.FlagOperation;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** STORE and UID STORE (RFC 9051 §6.4.6), with CONDSTORE's UNCHANGEDSINCE (RFC 7162 §3.1.3). */
final class StoreCommand {

    /** The keywords of RFC 5788 §3.1 that say a message is, or is not, junk. */
    static final String JUNK = "$Junk";
    static final String NOT_JUNK = "$NotJunk";

    private StoreCommand() {
    }

    static Future<Void> store(ImapSession session, Request r, List<Token> a, boolean uid) {
        SelectedMailbox s = session.selected;
        if (a.size() < 3) {
            throw new ImapParseException("STORE takes a sequence set, an item and flags");
        }
        UidSet set = session.sequence(a.get(0), uid);
        int i = 1;
        long unchangedSince = -1;
        if (a.get(1) instanceof ListToken modifiers) {
            if (modifiers.items().size() != 2
                    || !ImapSession.astring(modifiers.items().get(0)).equalsIgnoreCase("UNCHANGEDSINCE")) {
                throw new ImapParseException("Invalid STORE modifier");
            }
            unchangedSince = ImapSession.number(modifiers.items().get(1));
            i = 2;
        }
        if (a.size() != i + 2) {
            throw new ImapParseException("STORE takes a sequence set, an item and flags");
        }
        String item = ImapSession.astring(a.get(i)).toUpperCase(Locale.ROOT);
        boolean silent = item.endsWith(".SILENT");
        FlagOperation operation = switch (silent ? item.substring(0, item.length() - 7) : item) {
            case "FLAGS" -> FlagOperation.REPLACE;
            case "+FLAGS" -> FlagOperation.ADD;
            case "-FLAGS" -> FlagOperation.REMOVE;
            default -> throw new ImapParseException("Unknown STORE item " + item);
        };
        Flags flags = ImapSession.parseFlags(a.get(i + 1));
        if (s.readOnly) {
            throw new No("[READ-ONLY] Mailbox is read-only");
        }
        if (unchangedSince >= 0) {
            session.enableCondstore();
        }
        List<Long> targets = s.resolve(set, uid);
        if (targets.isEmpty()) {
            return session.ok(r, "STORE completed");
        }
        long since = unchangedSince;
        return session.f(session.mailboxes.updateFlags(s.mailbox.id(), UidSet.ofUids(targets), operation, flags,
                since)).compose(update -> {
                    // RFC 7162 §3.1.3: with UNCHANGEDSINCE, .SILENT still reports the new MODSEQ.
                    boolean report = !silent || (since >= 0 && session.condstore());
                    // The keywords it set are the mailbox's now: FLAGS tells them even when no FETCH
                    // shows one (.SILENT, or every message had them already), as a new keyword of
                    // another session is told before the FETCH that shows it (RFC 9051 §7.3.5).
                    String defined = operation == FlagOperation.REMOVE || update.modified().size() == targets.size()
                            ? "" : s.announceFlags(List.of(flags));
                    session.client.write(defined + changed(session, s, update.changed(), uid, report, !silent));
                    for (MessageRecord m : update.changed()) {
                        session.publish(s.mailbox, MailboxEvent.Kind.FLAGS_CHANGED, m.uid(), m.modSeq());
                        // RFC 5788 §3.1: clients mark junk with the $Junk and $NotJunk keywords, as others move
                        // messages into and out of Junk; both train the spam filter.
                        if (operation != FlagOperation.REMOVE && flags.contains(JUNK) && m.flags().contains(JUNK)) {
                            session.publish(s.mailbox, MailboxEvent.Kind.MARKED_JUNK, m.uid(), 0);
                        } else if (operation != FlagOperation.REMOVE && flags.contains(NOT_JUNK)
                                && m.flags().contains(NOT_JUNK)) {
                            session.publish(s.mailbox, MailboxEvent.Kind.MARKED_NOT_JUNK, m.uid(), 0);
                        }
                    }
                    if (!update.modified().isEmpty()) {
                        return session.ok(r, modified(s, update, uid) + "Conditional STORE failed for some messages");
                    }
                    return session.ok(r, "STORE completed");
                });
    }

    /**
     * The untagged FETCH responses for flag changes this session made (a STORE, or \Seen set by a
     * FETCH of a body): keywords announced first, UID and MODSEQ as CONDSTORE asks; the changes are
     * noted so they are not told again when the store is next read.
     */
    static String changed(ImapSession session, SelectedMailbox s, List<MessageRecord> changes, boolean uid,
            boolean report, boolean withFlags) {
        StringBuilder out = new StringBuilder();
        if (report) {
            out.append(s.announce(changes));
        }
        for (MessageRecord m : changes) {
            s.reported(m);
            if (!report || s.msn(m.uid()) == 0) {
                continue;
            }
            if (withFlags) {
                out.append(session.flagChange(s, m, uid));
            } else {
                out.append("* ").append(s.msn(m.uid())).append(" FETCH (UID ").append(m.uid()).append(" MODSEQ (")
                        .append(m.modSeq()).append("))\r\n");
            }
        }
        return out.toString();
    }

    private static String modified(SelectedMailbox s, FlagUpdate update, boolean uid) {
        List<Long> numbers = new ArrayList<>();
        for (long u : update.modified()) {
            numbers.add(uid ? u : s.msn(u));
        }
        return "[MODIFIED " + SearchResult.renderSequence(numbers) + "] ";
    }
}
