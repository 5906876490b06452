package io.yubin.imap;

import io.vertx.core.Future;
import io.yubin.imap.ImapParser.Request;
import io.yubin.imap.ImapSession.No;
import io.yubin.store.MessageRecord;
import io.yubin.store.UidSet;

/** EXPUNGE, UID EXPUNGE (RFC 4315) and CLOSE, which expunges silently (RFC 9051 §6.4.1-3). */
final class ExpungeCommand {

    private ExpungeCommand() {
    }

    static Future<Void> expunge(ImapSession session, Request r, UidSet uids) {
        SelectedMailbox s = session.selected;
        if (s.readOnly) {
            throw new No("[READ-ONLY] Mailbox is read-only");
        }
        return session.f(session.mailboxes.expungeMessages(s.mailbox.id(), uids, true)).compose(gone -> {
            StringBuilder out = new StringBuilder();
            session.expunged(s, gone.stream().map(MessageRecord::uid).toList(), out);
            for (MessageRecord m : gone) {
                session.publishExpunged(s.mailbox, m);
            }
            session.client.write(out.toString());
            return session.ok(r, "EXPUNGE completed");
        });
    }

    static Future<Void> close(ImapSession session, Request r) {
        SelectedMailbox closing = session.selected;
        session.selected = null;
        session.state = ImapSession.State.AUTHENTICATED;
        if (closing.readOnly) {
            return session.ok(r, "CLOSE completed");
        }
        return session.f(session.mailboxes.expungeMessages(closing.mailbox.id(), UidSet.ALL, true)).compose(gone -> {
            for (MessageRecord m : gone) {
                session.publishExpunged(closing.mailbox, m);
            }
            return session.ok(r, "CLOSE completed");
        });
    }
}
