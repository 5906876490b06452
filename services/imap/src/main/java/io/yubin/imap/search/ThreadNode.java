package io.yubin.imap.search;

import java.util.List;

/**
 * One message in a THREAD response (RFC 5256 §4), or a dummy standing for a message that is missing
 * (only at the top of a thread, after pruning).
 *
 * @param number the message's sequence number or UID; 0 for a dummy
 */
public record ThreadNode(long number, List<ThreadNode> children) {

    public ThreadNode {
        children = List.copyOf(children);
    }

    public boolean dummy() {
        return number == 0;
    }
}
