package io.yubin.queue;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.store.MailboxId;

/**
 * A change to a mailbox, published cluster-wide so IMAP sessions on any pod (IDLE, NOOP) and POP3
 * see it.
 *
 * @param user the mailbox owner
 * @param mailbox the mailbox
 * @param kind what happened
 * @param uid the message concerned, 0 for mailbox-level events
 * @param modSeq the MODSEQ of the change, 0 when none
 * @param flags for EXPUNGED, the message's flags when it was expunged (null when not known): what a
 *     session that has not yet told its client of the expunge may still answer a FETCH FLAGS with
 */
public record MailboxEvent(MailAddress user, MailboxId mailbox, Kind kind, long uid, long modSeq, Flags flags) {

    /** An event that carries no flags. */
    public MailboxEvent(MailAddress user, MailboxId mailbox, Kind kind, long uid, long modSeq) {
        this(user, mailbox, kind, uid, modSeq, null);
    }

    /**
     * MARKED_JUNK and MARKED_NOT_JUNK are training events for the spam filter: a user moved the
     * message into or out of a Junk mailbox; {@code mailbox} and {@code uid} name it where it went.
     */
    public enum Kind { APPENDED, FLAGS_CHANGED, EXPUNGED, MAILBOX_CHANGED, MARKED_JUNK, MARKED_NOT_JUNK }
}
