package io.yubin.store;

/**
 * The counters of one mailbox (RFC 9051 §6.3.11 STATUS, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE).
 *
 * @param messages number of messages
 * @param unseen messages without \Seen
 * @param deleted messages with \Deleted
 * @param uidNext the UID the next append will get
 * @param uidValidity UIDVALIDITY
 * @param highestModSeq the highest MODSEQ of any change in the mailbox (0 before any)
 * @param size sum of message sizes in octets
 */
public record MailboxStatus(long messages, long unseen, long deleted, long uidNext, long uidValidity,
        long highestModSeq, long size) {
}
