package io.yubin.store;

/**
 * The outcome of an append.
 *
 * @param mailbox where the message is (for a duplicate: where it was first appended)
 * @param uidValidity the mailbox's UIDVALIDITY (UIDPLUS APPENDUID)
 * @param uid its UID
 * @param modSeq its MODSEQ
 * @param duplicate true when the delivery key had been used and nothing was appended
 */
public record AppendResult(MailboxId mailbox, long uidValidity, long uid, long modSeq, boolean duplicate) {
}
