package io.yubin.store;

import java.util.List;

/**
 * The outcome of {@link MailboxStore#updateFlags}.
 *
 * @param changed the messages whose flags changed, with their new flags and MODSEQ
 * @param modified UIDs left alone because their MODSEQ was above UNCHANGEDSINCE (RFC 7162 §3.1.3)
 */
public record FlagUpdate(List<MessageRecord> changed, List<Long> modified) {
}
