package io.yubin.store;

import java.util.List;

/**
 * What changed in a mailbox since a MODSEQ.
 *
 * @param changed messages whose MODSEQ is above it, ascending by UID
 * @param vanished UIDs expunged since then, ascending
 * @param highestModSeq the mailbox's HIGHESTMODSEQ now
 */
public record Changes(List<MessageRecord> changed, List<Long> vanished, long highestModSeq) {
}
