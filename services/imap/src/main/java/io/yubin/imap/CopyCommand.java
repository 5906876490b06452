package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapParser.Token;
import io.yubin.imap.ImapSession.No;
import io.yubin.imap.search.SearchResult;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import io.yubin.queue.MailboxEvent;
import io.yubin.store.Mailbox;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;
import java.util.List;

/** COPY and MOVE, by number or UID (RFC 9051 §6.4.7, RFC 6851, RFC 4315 COPYUID). */
final class CopyCommand {

    private CopyCommand() {
    }

    static Future<Void> copy(ImapSession session, Request r, List<Token> a, boolean uid, boolean move) {
        ImapSession.args(a, 2);
        SelectedMailbox s = session.selected;
        UidSet set = session.sequence(a.get(0), uid);
        if (move && s.readOnly) {
            throw new No("[READ-ONLY] Mailbox is read-only");
        }
        MailboxPath target;
        try {
            target = session.existingPath(a.get(1));
        } catch (No invalid) {
            throw new No("[TRYCREATE] No such mailbox");
        }
        List<Long> sources = s.resolve(set, uid);
        return session.f(session.mailboxes.find(session.user, target)).compose(found -> {
            if (found.isEmpty()) {
                throw new No("[TRYCREATE] No such mailbox");
            }
            if (sources.isEmpty()) {
                return session.ok(r, (move ? "MOVE" : "COPY") + " completed");
            }
            Mailbox to = found.get();
            UidSet uids = UidSet.ofUids(sources);
            boolean fromJunk = s.mailbox.specialUse().contains(SpecialUse.JUNK);
            boolean toJunk = to.specialUse().contains(SpecialUse.JUNK);
            // A MOVE between the user's own mailboxes changes no quota's use; a COPY adds its messages.
            Future<Void> room = move ? Future.succeededFuture() : roomFor(session, uids);
            return room.compose(v -> session.f(move ? session.mailboxes.move(s.mailbox.id(), uids, to.id())
                    : session.mailboxes.copy(s.mailbox.id(), uids, to.id()))).compose(result -> {
                for (long u : result.targetUids()) {
                    session.publish(to, MailboxEvent.Kind.APPENDED, u, 0);
                    // Training events for the spam filter: into Junk is "spam", out of it "not spam".
                    if (toJunk && !fromJunk) {
                        session.publish(to, MailboxEvent.Kind.MARKED_JUNK, u, 0);
                    } else if (fromJunk && !toJunk && move) {
                        session.publish(to, MailboxEvent.Kind.MARKED_NOT_JUNK, u, 0);
                    }
                }
                if (to.id().equals(s.mailbox.id())) {
                    // RFC 6851 §3.3: copies into the selected mailbox are told (EXISTS) with this response.
                    session.changed = true;
                }
                String copyUid = result.sourceUids().isEmpty() ? "" : "[COPYUID " + result.targetUidValidity() + " "
                        + SearchResult.renderSequence(result.sourceUids()) + " "
                        + SearchResult.renderSequence(result.targetUids()) + "] ";
                if (!move) {
                    return session.ok(r, copyUid + "COPY completed");
                }
                // RFC 6851 §4.3: COPYUID comes untagged, before the EXPUNGEs.
                StringBuilder out = new StringBuilder();
                if (!copyUid.isEmpty()) {
                    out.append("* OK ").append(copyUid.trim()).append(" Moved\r\n");
                }
                session.expunged(s, result.sourceUids(), out);
                for (long u : result.sourceUids()) {
                    session.publish(s.mailbox, MailboxEvent.Kind.EXPUNGED, u, 0);
                }
                session.client.write(out.toString());
                return session.ok(r, "MOVE completed");
            });
        });
    }

    /** RFC 9208 §4.3: a COPY that would go over a quota fails with OVERQUOTA, copying nothing. */
    private static Future<Void> roomFor(ImapSession session, UidSet uids) {
        return session.f(session.accounts.quotas().of(session.user)).compose(roots -> roots.isEmpty()
                ? Future.succeededFuture()
                : session.f(session.mailboxes.messages(session.selected.mailbox.id(), uids)).map(messages -> {
                    long bytes = messages.stream().mapToLong(MessageRecord::size).sum();
                    if (!roots.stream().allMatch(root -> root.fits(bytes, messages.size()))) {
                        throw new No("[OVERQUOTA] Mailbox full: the copies would go over your quota");
                    }
                    return null;
                }));
    }
}
