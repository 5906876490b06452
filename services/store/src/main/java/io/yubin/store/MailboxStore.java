package io.yubin.store;

import io.yubin.model.Flags;
import io.yubin.model.MailAddress;
import io.yubin.model.MailboxPath;
import io.yubin.model.SpecialUse;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Mailboxes and the messages in them, per user. Invariants every backend keeps (docs/architecture.md
 * §4), proven by {@code MailboxStoreContract}:
 * <ul>
 *   <li>UIDs within a mailbox are strictly ascending and never reused; UIDVALIDITY changes only when
 *       a mailbox is created anew under a name that existed before.</li>
 *   <li>Every change (append, flag change, expunge) takes a new MODSEQ, strictly ascending per
 *       mailbox (RFC 7162).</li>
 *   <li>Copies share the original's blob; a blob is referenced once per message.</li>
 *   <li>An append with a delivery key is done at most once per key (idempotent delivery).</li>
 * </ul>
 */
public interface MailboxStore {

    /** The mailboxes every new user gets, with their special-use attributes. */
    List<DefaultMailbox> DEFAULT_MAILBOXES = List.of(
            new DefaultMailbox(MailboxPath.INBOX, Set.of()),
            new DefaultMailbox(new MailboxPath("Drafts"), Set.of(SpecialUse.DRAFTS)),
            new DefaultMailbox(new MailboxPath("Sent"), Set.of(SpecialUse.SENT)),
            new DefaultMailbox(new MailboxPath("Trash"), Set.of(SpecialUse.TRASH)),
            new DefaultMailbox(new MailboxPath("Junk"), Set.of(SpecialUse.JUNK)),
            new DefaultMailbox(new MailboxPath("Archive"), Set.of(SpecialUse.ARCHIVE)));

    record DefaultMailbox(MailboxPath path, Set<SpecialUse> specialUse) {
    }

    /** Creates the {@link #DEFAULT_MAILBOXES} that are missing, and subscribes them. Idempotent. */
    CompletionStage<Void> provision(MailAddress user);

    /** CONFLICT when it exists. Parents need not exist. */
    CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse);

    /**
     * Restore: creates the mailbox with the UIDVALIDITY it had where it was backed up, so that the UIDs
     * restored into it ({@link #restore}) mean what they meant to the clients that cached them. CONFLICT
     * when it exists.
     */
    CompletionStage<Mailbox> create(MailAddress user, MailboxPath path, Set<SpecialUse> specialUse, long uidValidity);

    /**
     * Restore and import: gives a mailbox that has never held a message (UIDNEXT 1, HIGHESTMODSEQ 0) the
     * UIDVALIDITY it had where it came from, as {@link #create(MailAddress, MailboxPath, Set, long)} does
     * for a new one. False, changing nothing, once it was used. NOT_FOUND when it is gone.
     */
    CompletionStage<Boolean> adoptUidValidity(Mailbox mailbox, long uidValidity);

    CompletionStage<Optional<Mailbox>> find(MailAddress user, MailboxPath path);

    /** All mailboxes of the user, sorted by path. */
    CompletionStage<List<Mailbox>> list(MailAddress user);

    /**
     * Renames a mailbox and every mailbox below it; they keep their ids, UIDVALIDITY and messages.
     * Renaming INBOX moves its messages to a new mailbox {@code to} and leaves INBOX empty, as RFC
     * 9051 §6.3.6 requires. NOT_FOUND when {@code from} is missing; CONFLICT when {@code to} or one
     * of the new child names exists.
     */
    CompletionStage<Void> rename(MailAddress user, MailboxPath from, MailboxPath to);

    /**
     * Deletes the mailbox and its messages (their blob references go); mailboxes below it stay.
     * NOT_FOUND when missing; INVALID for INBOX.
     */
    CompletionStage<Void> delete(MailAddress user, MailboxPath path);

    /** Deletes every mailbox, message and subscription of the user (account removal). */
    CompletionStage<Void> deleteAll(MailAddress user);

    /** Subscribing to a name that does not exist is allowed (RFC 9051 §6.3.7). Idempotent. */
    CompletionStage<Void> subscribe(MailAddress user, MailboxPath path);

    /** Idempotent. */
    CompletionStage<Void> unsubscribe(MailAddress user, MailboxPath path);

    /** Sorted. */
    CompletionStage<List<MailboxPath>> subscriptions(MailAddress user);

    /**
     * Appends a message: allocates the next UID and a new MODSEQ and takes a reference on the blob.
     * With a delivery key that was used before, appends nothing and returns the earlier result with
     * {@code duplicate} set. NOT_FOUND when the mailbox is gone.
     */
    CompletionStage<AppendResult> append(MailboxId mailbox, NewMessage message);

    /**
     * Restore: puts messages back under the UIDs they had, each with a new MODSEQ and a reference on its
     * blob, and moves UIDNEXT to at least {@code uidNext}. The UIDs must ascend and be at or above the
     * mailbox's UIDNEXT, so that no client ever sees a UID appear below one it has seen (INVALID
     * otherwise). NOT_FOUND when the mailbox is gone.
     */
    CompletionStage<Void> restore(MailboxId mailbox, List<RestoredMessage> messages, long uidNext);

    /** A message put back by {@link #restore}: its UID and what to store (the delivery key is ignored). */
    record RestoredMessage(long uid, NewMessage message) {
    }

    /** Counts and counters of one mailbox. NOT_FOUND when it is gone. */
    CompletionStage<MailboxStatus> status(MailboxId mailbox);

    /** The messages whose UIDs fall in {@code uids}, ascending by UID. */
    CompletionStage<List<MessageRecord>> messages(MailboxId mailbox, UidSet uids);

    /**
     * Changes flags of the messages in {@code uids}. Each changed message takes a new MODSEQ; messages
     * whose flags would not change keep theirs. With {@code unchangedSince} >= 0 (CONDSTORE
     * UNCHANGEDSINCE, RFC 7162 §3.1.3), messages whose MODSEQ is above it are left alone and listed
     * in {@link FlagUpdate#modified()}.
     */
    CompletionStage<FlagUpdate> updateFlags(MailboxId mailbox, UidSet uids, FlagOperation operation, Flags flags,
            long unchangedSince);

    /**
     * Removes the messages in {@code uids} that have \Deleted set (or all of them when
     * {@code onlyDeleted} is false); returns their records as they were, ascending by UID. Each
     * expunge takes a MODSEQ and leaves a tombstone for {@link #changesSince}.
     */
    CompletionStage<List<MessageRecord>> expungeMessages(MailboxId mailbox, UidSet uids, boolean onlyDeleted);

    /** {@link #expungeMessages}, answering only the UIDs. */
    default CompletionStage<List<Long>> expunge(MailboxId mailbox, UidSet uids, boolean onlyDeleted) {
        return expungeMessages(mailbox, uids, onlyDeleted)
                .thenApply(gone -> gone.stream().map(MessageRecord::uid).toList());
    }

    /**
     * Copies messages (same blobs, same flags and internal date) to {@code target} with new UIDs in
     * the order of the source UIDs. NOT_FOUND when either mailbox is gone.
     */
    CompletionStage<CopyResult> copy(MailboxId source, UidSet uids, MailboxId target);

    /** Like copy, then expunges the sources, as one atomic step (RFC 6851). */
    CompletionStage<CopyResult> move(MailboxId source, UidSet uids, MailboxId target);

    /**
     * Messages whose MODSEQ is above {@code modSeq}, and UIDs expunged since then (for CONDSTORE
     * and QRESYNC VANISHED).
     */
    CompletionStage<Changes> changesSince(MailboxId mailbox, long modSeq);

    /**
     * Data derived from an immutable body, such as its MIME structure for IMAP FETCH: computed once
     * per blob, stored with the metadata and shared by every copy of the message. Opaque to the store;
     * the writer versions its own format. Empty when nothing was stored for the blob.
     */
    CompletionStage<Optional<byte[]>> structure(BlobId blob);

    /**
     * {@link #structure} of several blobs in one go (SEARCH, SORT and THREAD need one per message):
     * the blobs that have one, mapped to their bytes; blobs without one are absent. Callers pass a
     * bounded number (a chunk of a few hundred); backends read them in one query or a bounded number
     * of concurrent ones. This default asks {@link #structure} for each, one after the other.
     */
    default CompletionStage<Map<BlobId, byte[]>> structures(Collection<BlobId> blobs) {
        Map<BlobId, byte[]> out = new LinkedHashMap<>();
        CompletionStage<Void> chain = java.util.concurrent.CompletableFuture.completedFuture(null);
        for (BlobId blob : blobs) {
            chain = chain.thenCompose(v -> structure(blob)).thenAccept(found -> found.ifPresent(
                    data -> out.put(blob, data)));
        }
        return chain.thenApply(v -> out);
    }

    /**
     * Stores {@link #structure} for a blob. Idempotent: storing again replaces the bytes. Goes when
     * the blob's last reference has gone and {@link BlobReferences#forget} is called for it.
     */
    CompletionStage<Void> putStructure(BlobId blob, byte[] structure);

    /**
     * IMAP4rev1 \Recent (RFC 3501 §2.3.2): moves the mailbox's recent mark up to {@code uid} and
     * returns where it was, in one atomic step. The caller (a session) sees the messages above the
     * old mark and up to {@code uid} as \Recent; no other session, here or on another server, sees
     * them so. The mark never moves down. NOT_FOUND when the mailbox is gone.
     */
    CompletionStage<Long> claimRecent(MailboxId mailbox, long uid);

    /** Octets and messages stored by the user across all mailboxes. */
    CompletionStage<QuotaUsage> quotaUsage(MailAddress user);

    enum FlagOperation { REPLACE, ADD, REMOVE }
}
